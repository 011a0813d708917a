using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// The <see cref="IDistributedCache"/> contract, buffer members included (the suite of the PostgreSQL tests, compiled in
/// here), against the Redis store as <c>AddRedisHttpCache</c> registers it. Redis expires keys by its own clock, so it
/// takes the clock-free contract only; <see cref="RedisExpiryTests"/> read the TTLs the store sets on the server.
/// </summary>
public sealed class RedisCacheContractTests(RedisServerFixture server) : BufferDistributedCacheContractTests
{
    private readonly RedisStores _stores = new();

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        server.EnsureAvailable();
        return _stores.Create(o => o.Configuration = server.Endpoint, time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}
