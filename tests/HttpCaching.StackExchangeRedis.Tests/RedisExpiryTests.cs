using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// Redis expires keys by its own clock, so the contract's expiry tests (which move a fake clock) are skipped for it;
/// instead these read the TTL the store gave each key, at once, without waiting for it to run out.
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
        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10));

        await ExpireAsync(key, TimeSpan.FromMinutes(1));
        await cache.RefreshAsync(key, Ct);
        Assert.InRange(await TtlAsync(key), TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10));
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

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    private IDistributedCache NewCache() => _stores.Create(o => o.Configuration = fixture.Endpoint);

    private static string NewKey() => "expiry:" + Guid.NewGuid().ToString("N");

    private async Task<TimeSpan> TtlAsync(string key)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.AdminConnectionString);
        return await connection.GetDatabase().KeyTimeToLiveAsync(key) ?? TimeSpan.Zero;
    }

    /// <summary>Shortens a key's TTL on the server, as time passing would.</summary>
    private async Task ExpireAsync(string key, TimeSpan ttl)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.AdminConnectionString);
        Assert.True(await connection.GetDatabase().KeyExpireAsync(key, ttl));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
