using HttpCaching.PostgreSql.Internal;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Tests.Internal;

public sealed class EntryLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Default = TimeSpan.FromMinutes(20);

    [Fact]
    public void From_NoExpiration_SlidesByTheDefault()
    {
        var lifetime = EntryLifetime.From(Now, new DistributedCacheEntryOptions(), Default);

        Assert.Equal(new EntryLifetime(Utc(Now + Default), Default, null), lifetime);
    }

    [Fact]
    public void From_AbsoluteOnly_DoesNotSlide()
    {
        var lifetime = EntryLifetime.From(Now, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Default);

        Assert.Equal(new EntryLifetime(Utc(Now.AddHours(1)), null, Utc(Now.AddHours(1))), lifetime);
    }

    [Fact]
    public void From_RelativeAndAbsoluteDate_RelativeWins()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1), AbsoluteExpiration = Now.AddHours(5) };

        Assert.Equal(Utc(Now.AddHours(1)), EntryLifetime.From(Now, options, Default)!.Value.AbsoluteExpiration);
    }

    [Fact]
    public void From_AbsoluteDateWithAnOffset_IsStoredAsUtc()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = new DateTimeOffset(2026, 1, 5, 5, 0, 0, TimeSpan.FromHours(-5)) };

        var lifetime = EntryLifetime.From(Now, options, Default)!.Value;

        Assert.Equal(new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc), lifetime.ExpiresAt);
        Assert.Equal(DateTimeKind.Utc, lifetime.ExpiresAt.Kind);
        Assert.Equal(DateTimeKind.Utc, lifetime.AbsoluteExpiration!.Value.Kind);
    }

    [Fact]
    public void From_SlidingWithAnEarlierAbsolute_EndsAtTheAbsolute()
    {
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromHours(2), AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) };

        Assert.Equal(new EntryLifetime(Utc(Now.AddHours(1)), TimeSpan.FromHours(2), Utc(Now.AddHours(1))), EntryLifetime.From(Now, options, Default));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void From_AbsoluteNotInTheFuture_IsNull(int minutes)
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = Now.AddMinutes(minutes) };

        Assert.Null(EntryLifetime.From(Now, options, Default));
    }

    [Fact]
    public void From_HugeSliding_SaturatesInsteadOfOverflowing()
    {
        var lifetime = EntryLifetime.From(Now, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.MaxValue }, Default)!.Value;

        Assert.Equal(DateTime.MaxValue, lifetime.ExpiresAt);
    }

    private static DateTime Utc(DateTimeOffset instant) => instant.UtcDateTime;
}
