using HttpCaching.Internal;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// The near cache makes room before it admits a record, so the newest record is always kept: a memory cache would
/// otherwise refuse it silently once full, and a refused pending record (a newer version the store did not take) would
/// send the instance back to the older version the store still holds.
/// </summary>
public sealed class NearCacheRoomTests
{
    private const long Limit = 64 * 1024;

    [Theory]
    [InlineData(100)]
    [InlineData(5_000)]
    [InlineData(20_000)]
    public void Set_FullOfRecordsOfOtherSizes_NewestKept(int size)
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        Fill(near, time);

        near.Set("newest", new HeldRecord(new byte[size]), bodyVersion: true, TimeSpan.FromSeconds(5));

        Assert.NotNull(near.Get("newest"));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(5_000)]
    [InlineData(20_000)]
    public void SetPending_FullOfRecordsOfOtherSizes_PendingKept(int size)
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        Fill(near, time);

        near.SetPending("pending", new HeldRecord(new byte[size]), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });

        Assert.True(near.TryGetPending("pending", out _, out _));
    }

    [Fact]
    public void SetRemovalPending_ThenFilledAgainAndAgain_NeverMadeRoomWith()
    {
        // The marker is all that keeps the store's copy of an invalidated record from being served: it must not be
        // what makes room, before the pending records or after them.
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.SetRemovalPending("invalidated");

        for (var round = 0; round < 3; round++)
        {
            Fill(near, time, $"round{round}");
            near.SetPending($"pending{round}", new HeldRecord(new byte[20_000]), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });
        }

        Assert.True(near.IsRemovalPending("invalidated"));
    }

    [Fact]
    public void SetRemovalPending_RememberedForADayAtMost()
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.SetRemovalPending("invalidated");

        time.Advance(TimeSpan.FromHours(23));
        var afterADayLess = near.IsRemovalPending("invalidated");
        time.Advance(TimeSpan.FromHours(2));

        Assert.True(afterADayLess);
        Assert.False(near.IsRemovalPending("invalidated"));
    }

    [Fact]
    public void RemovalsPending_ListsMarkersOnly_ForgetsThoseReplacedByANewerRecord()
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.SetRemovalPending("still");
        near.SetRemovalPending("rewritten");
        near.Set("rewritten", new HeldRecord(new byte[] { 1, 2, 3 }), bodyVersion: false, TimeSpan.FromSeconds(5));

        var pending = near.RemovalsPending();
        near.Remove("still");

        Assert.Equal(["still"], pending);
        Assert.Empty(near.RemovalsPending());
        Assert.False(near.HasRemovalsPending);
    }

    [Fact]
    public void Drop_PendingRecord_NoLongerPreferredNorWrittenAgain_KeptAsLastKnown()
    {
        // Another instance changed the record (its write went through, this one's did not): the store's copy is read next.
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        var record = new byte[] { 1, 2, 3 };
        near.SetPending("entry", new HeldRecord(record), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });

        near.Drop("entry");

        Assert.Null(near.Get("entry"));
        Assert.False(near.TryGetPending("entry", out _, out _));
        Assert.Same(record, near.GetLastKnown("entry")?.Data);
    }

    [Fact]
    public void Drop_RemovalPending_KeptUntilTheStoreTakesIt()
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.SetRemovalPending("invalidated");

        near.Drop("invalidated");

        Assert.True(near.IsRemovalPending("invalidated"));
    }

    [Fact]
    public void SetPending_ThenFilledAgain_PendingOutlivesEveryOtherRecord()
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.SetPending("pending", new HeldRecord(new byte[1000]), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });

        for (var round = 0; round < 3; round++)
        {
            Fill(near, time, $"round{round}");
        }

        Assert.True(near.TryGetPending("pending", out _, out _));
    }

    [Fact]
    public void Set_LargerThanTheLimit_NotKeptAndNothingElseLost()
    {
        var time = new FakeTimeProvider();
        using var near = new NearCache(Limit, time);
        near.Set("small", new HeldRecord(new byte[100]), bodyVersion: true, TimeSpan.FromSeconds(5));

        near.Set("huge", new HeldRecord(new byte[Limit + 1]), bodyVersion: true, TimeSpan.FromSeconds(5));

        Assert.Null(near.Get("huge"));
        Assert.NotNull(near.Get("small"));
    }

    /// <summary>Fills the near cache to over twice its limit with records of mixed sizes, least recent first.</summary>
    private static void Fill(NearCache near, FakeTimeProvider time, string prefix = "filler")
    {
        for (var i = 0; i < 40; i++)
        {
            near.Set($"{prefix}-{i}", new HeldRecord(new byte[i % 3 == 0 ? 6_000 : 300]), bodyVersion: true, TimeSpan.FromSeconds(5));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }
}
