using HttpCaching.StackExchangeRedis.Internal;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// Redis expires keys by its own clock, so the Redis store does not take the contract's expiry suite (which moves a fake
/// clock); instead these read what the store gave each key on the server, at once, without waiting for it to run out:
/// its TTL (<c>PTTL</c>) and the <c>absexp</c> / <c>sldexp</c> fields of RedisCache's hash, which the store keeps so
/// entries stay compatible. Time passing is played by shortening the TTL on the server.
/// </summary>
public sealed class RedisExpiryTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private readonly RedisStores _stores = new();

    [Fact]
    public async Task AbsoluteExpiration_IsTheKeysTtl_AndReadsDoNotExtendIt()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Ct);
        await ExpireAsync(key, TimeSpan.FromMinutes(3));

        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await cache.RefreshAsync(key, Ct);

        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(2.5), TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task SlidingExpiration_IsTheKeysTtl_AndEveryReadOrRefreshRenewsIt()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10));

        await ExpireAsync(key, TimeSpan.FromMinutes(1));
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await UntilTtlAsync(key, TimeSpan.FromMinutes(9.5));

        // The store renews one key at most once per RefreshInterval (by the application's clock).
        _time.Advance(RedisCacheStore.RefreshInterval);
        await ExpireAsync(key, TimeSpan.FromMinutes(1));
        await cache.RefreshAsync(key, Ct);
        await UntilTtlAsync(key, TimeSpan.FromMinutes(9.5));
    }

    [Fact]
    public async Task SlidingExpiration_RenewedAtMostOncePerRefreshInterval()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await UntilTtlAsync(key, TimeSpan.FromMinutes(9.5));

        // Within the interval neither a read nor a refresh renews it (a write would start afresh).
        _time.Advance(RedisCacheStore.RefreshInterval - TimeSpan.FromMilliseconds(1));
        await ExpireAsync(key, TimeSpan.FromMinutes(1));
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await cache.RefreshAsync(key, Ct);
        Assert.InRange(await TtlAsync(key), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await UntilTtlAsync(key, TimeSpan.FromMinutes(9.5));
    }

    [Fact]
    public async Task SlidingExpiration_IsCappedByTheAbsoluteOne()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(4),
        }, Ct);

        Assert.Equal([1], await cache.GetAsync(key, Ct));

        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(3.5), TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task AbsoluteExpirationAtAnInstant_IsTheKeysTtlAndItsAbsexpField()
    {
        var (cache, key) = (NewCache(), NewKey());
        var at = DateTimeOffset.UtcNow.AddMinutes(7);
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpiration = at }, Ct);

        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(6.5), TimeSpan.FromMinutes(7));
        Assert.Equal((at.UtcTicks, -1L), await FieldsAsync(key));
    }

    [Fact]
    public async Task AbsoluteExpirationRelativeToNow_SetsAbsexpOnly()
    {
        var (cache, key) = (NewCache(), NewKey());
        var before = DateTimeOffset.UtcNow;
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Ct);

        var (absolute, sliding) = await FieldsAsync(key);
        Assert.InRange(absolute, before.AddMinutes(10).UtcTicks, DateTimeOffset.UtcNow.AddMinutes(10).UtcTicks);
        Assert.Equal(-1L, sliding);
    }

    [Fact]
    public async Task SlidingExpiration_SetsSldexpOnly_AndABufferReadRenewsIt()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        Assert.Equal((-1L, TimeSpan.FromMinutes(10).Ticks), await FieldsAsync(key));

        await ExpireAsync(key, TimeSpan.FromMinutes(1));
        Assert.True(await ((IBufferDistributedCache)cache).TryGetAsync(key, new System.Buffers.ArrayBufferWriter<byte>(), Ct));

        await UntilTtlAsync(key, TimeSpan.FromMinutes(9.5));
    }

    [Fact]
    public async Task SetAgainWithOtherExpiration_ReplacesTheTtlAndFields()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);

        await cache.SetAsync(key, [2], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2) }, Ct);

        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(1.5), TimeSpan.FromMinutes(2));
        Assert.Equal(-1L, (await FieldsAsync(key)).Sliding);
        Assert.Equal([2], await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task RefreshOfAKeyTheServerExpired_DoesNotResurrectIt()
    {
        var (cache, key) = (NewCache(), NewKey());
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        await RedisKeys.ExecuteAsync(fixture.AdminConnectionString, "PEXPIRE", key, 0);

        await cache.RefreshAsync(key, Ct);

        Assert.Null(await cache.GetAsync(key, Ct));
        Assert.Equal(TimeSpan.Zero, await TtlAsync(key));
    }

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    private readonly FakeTimeProvider _time = new(TestClock.Start);

    /// <summary>A store on the test's clock, which paces its renewals; the TTLs themselves are the server's.</summary>
    private IDistributedCache NewCache() => _stores.Create(o => o.Configuration = fixture.Endpoint, _time);

    /// <summary>
    /// Waits (bounded) until the server reports at least <paramref name="least"/> for the key: a renewal is sent
    /// fire-and-forget, so it may land a moment after the read that sent it returned.
    /// </summary>
    private async Task UntilTtlAsync(string key, TimeSpan least)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        TimeSpan ttl;
        while ((ttl = await TtlAsync(key)) < least && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.InRange(ttl, least, TimeSpan.FromDays(1));
    }

    private static string NewKey() => "expiry:" + Guid.NewGuid().ToString("N");

    private async Task<TimeSpan> TtlAsync(string key)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.AdminConnectionString);
        return await connection.GetDatabase().KeyTimeToLiveAsync(key) ?? TimeSpan.Zero;
    }

    /// <summary>The <c>absexp</c> and <c>sldexp</c> fields of the key's hash, in ticks (-1 when not set), as RedisCache writes them.</summary>
    private async Task<(long Absolute, long Sliding)> FieldsAsync(string key)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.AdminConnectionString);
        var fields = await connection.GetDatabase().HashGetAsync(key, ["absexp", "sldexp"]);
        return ((long)fields[0], (long)fields[1]);
    }

    /// <summary>Shortens a key's TTL on the server, as time passing would.</summary>
    private async Task ExpireAsync(string key, TimeSpan ttl)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.AdminConnectionString);
        Assert.True(await connection.GetDatabase().KeyExpireAsync(key, ttl));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
