using HttpCaching.Memcached.Internal;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests.Internal;

/// <summary>How expirations map to memcached TTLs, on a fake clock: seconds up to 30 days, a Unix time beyond.</summary>
public sealed class EntryExpiryTests
{
    private readonly FakeTimeProvider _time = new(TestClock.Start);

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void ServerTtl_ExactlyThirtyDays_IsRelativeSeconds()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(30) }, Now);

        Assert.Equal(2_592_000, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_ThirtyDaysAndOneSecond_IsTheUnixTimeOfTheInstant()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1) }, Now);

        Assert.Equal((Now + TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1)).ToUnixTimeSeconds(), expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_ThirtyDaysAndATick_IsTheUnixTimeRoundedUp()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpiration = Now + TimeSpan.FromDays(30) + TimeSpan.FromTicks(1) }, Now);

        Assert.Equal((Now + TimeSpan.FromDays(30)).ToUnixTimeSeconds() + 1, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_FractionOfASecond_RoundsUpNeverDown()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(1500) }, Now);

        Assert.Equal(2, expiry.ServerTtl(Now));
        _time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.Equal(1, expiry.ServerTtl(Now));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(-1, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_AbsoluteWithAnOffset_IsTheSameInstant()
    {
        var instant = (Now + TimeSpan.FromMinutes(10)).ToOffset(TimeSpan.FromHours(-5));

        Assert.Equal(600, EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpiration = instant }, Now).ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_TimePassesOnTheFakeClock_CountsDown()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(31) }, Now);

        _time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(2_592_000, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_None_IsZeroForNever()
    {
        Assert.Equal(0, EntryExpiry.From(new DistributedCacheEntryOptions(), Now).ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_InThePast_IsMinusOne()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpiration = Now - TimeSpan.FromSeconds(1) }, Now);

        Assert.Equal(-1, expiry.ServerTtl(Now));
        Assert.True(expiry.IsExpired(Now));
    }

    [Fact]
    public void ServerTtl_SlidingUnderACap_IsTheSmaller()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(15) }, Now);

        Assert.Equal(600, expiry.ServerTtl(Now));
        _time.Advance(TimeSpan.FromMinutes(12));
        Assert.Equal(180, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_SlidingBeyondThirtyDays_IsAUnixTime()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromDays(45) }, Now);

        Assert.Equal((Now + TimeSpan.FromDays(45)).ToUnixTimeSeconds(), expiry.ServerTtl(Now));
    }

    [Fact]
    public void ServerTtl_BeyondTheYear2038_ClampsToMemcachedsThirtyTwoBits()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.MaxValue }, Now);

        Assert.Equal(int.MaxValue, expiry.ServerTtl(Now));
    }

    [Fact]
    public void ClientFlags_SlidingWithAndWithoutCap_CarryWindowAndCapBit()
    {
        Assert.Equal(0u, EntryExpiry.From(new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, Now).ClientFlags());
        Assert.Equal(601u, EntryExpiry.From(new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(600.5) }, Now).ClientFlags());
        Assert.Equal(600u | EntryExpiry.CappedFlag, EntryExpiry.From(new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Now).ClientFlags());
    }

    [Fact]
    public void ValueHeader_RoundTrips_AndRejectsOtherBytes()
    {
        var expiry = EntryExpiry.From(new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Now);
        var header = new byte[ValueHeader.Length];
        ValueHeader.Write(header, expiry);

        Assert.True(ValueHeader.TryRead(header, out var read));
        Assert.Equal(expiry, read);
        Assert.False(ValueHeader.TryRead(header.AsSpan(1), out _));
        header[3] = 2;
        Assert.False(ValueHeader.TryRead(header, out _));
        Assert.False(ValueHeader.TryRead("HCM\u0001-not-a-valid-one"u8, out _));
    }
}
