using HttpCaching.Memcached.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// The <see cref="IDistributedCache"/> contract, buffer members included, against the memcached store on the plain
/// server: the clock-free half of the suite. memcached expires keys by its own clock, which a fake one cannot move, so
/// the store's expiry is tested in <see cref="MemcachedExpiryTests"/> instead, with the TTLs the server holds and the
/// store's own exact check of absolute instants on the fake clock.
/// </summary>
public sealed class MemcachedCacheContractTests(MemcachedServerFixture server) : BufferDistributedCacheContractTests
{
    private readonly MemcachedStores _stores = new();

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        server.EnsureAvailable();
        return _stores.Create(o => o.Servers = server.Endpoint, time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}

/// <summary>The contract over TLS (<c>-Z</c>), trusting only the test CA.</summary>
public sealed class MemcachedTlsCacheContractTests(MemcachedServerFixture server) : BufferDistributedCacheContractTests
{
    private readonly MemcachedStores _stores = new();

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        var tls = server.Tls;
        return _stores.Create(o =>
        {
            o.Servers = tls.Endpoint;
            o.UseTls = true;
            o.CaCertificatePath = tls.CaCertificatePath;
        }, time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}

/// <summary>The contract against a server with text-protocol authentication (<c>-Y</c>).</summary>
public sealed class MemcachedAuthenticatedCacheContractTests(MemcachedServerFixture server) : BufferDistributedCacheContractTests
{
    private readonly MemcachedStores _stores = new();

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        var authenticated = server.Authenticated;
        return _stores.Create(o =>
        {
            o.Servers = authenticated.Endpoint;
            o.Username = MemcachedServer.User;
            o.Password = authenticated.Password;
        }, time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}
