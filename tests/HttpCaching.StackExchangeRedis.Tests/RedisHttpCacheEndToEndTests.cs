using HttpCaching.StackExchangeRedis.Tests.Helpers;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// The caching handler of the main library with a keyed Redis store, as the README sets it up: over TLS with the
/// server's CA, as a limited ACL user, and shared by several application instances.
/// </summary>
public sealed class RedisHttpCacheEndToEndTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private readonly List<RedisApp> _apps = [];

    [Fact]
    public async Task KeyedStore_OverTlsAsAclUserWithTheServersCa_SecondRequestIsAHit()
    {
        var server = fixture.LocalWithTls;
        var password = server.Passwords[RedisTestUsers.Cache];
        var app = Start(o =>
        {
            o.Configuration = server.TlsEndpoint;
            o.User = RedisTestUsers.Cache;
            o.Password = password;
            o.CaCertificatePath = server.CaCertificatePath;
        });
        var path = "tls/" + Guid.NewGuid().ToString("N");

        var first = await app.GetAsync(path);
        var second = await app.GetAsync(path);

        Assert.True(first.IsStored, first.CacheStatus);
        Assert.True(second.IsHit, second.CacheStatus);
        Assert.Equal(first.Body, second.Body);
        Assert.Single(app.Origin.Requests);

        // The entry and body records are under the handler's prefix, the only keys the ACL user may touch.
        var keys = await RedisKeys.ScanAsync(server.ConnectionString, RedisTestUsers.Prefix + RedisApp.ClientName + ":*");
        Assert.Contains(keys, k => k.Contains(":e:", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains(":b:", StringComparison.Ordinal));
        Assert.True(app.Store.Connection.Current!.IsConnected);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        app.AssertLogsHoldNone(password, ":e:", ":b:");
    }

    [Fact]
    public async Task Tls_ServerCertificateFromAnotherCa_IsRefused_RequestsStillSucceed()
    {
        var server = fixture.LocalWithTls;
        void Store(RedisHttpCacheOptions o)
        {
            o.Configuration = server.TlsEndpoint + ",connectTimeout=2000";
            o.User = RedisTestUsers.Cache;
            o.Password = server.Passwords[RedisTestUsers.Cache];
            o.CaCertificatePath = server.OtherCaCertificatePath;
        }

        var app = Start(Store, TimeSpan.FromMilliseconds(500));
        var path = "untrusted/" + Guid.NewGuid().ToString("N");

        var first = await app.GetAsync(path);
        var other = await Start(Store, TimeSpan.FromMilliseconds(500)).GetAsync(path);

        Assert.Equal(System.Net.HttpStatusCode.OK, first.Status);
        Assert.False(first.IsStored, first.CacheStatus);
        Assert.Equal(System.Net.HttpStatusCode.OK, other.Status);
        Assert.False(other.IsHit, other.CacheStatus);
        Assert.False(app.Store.Connection.Current?.IsConnected ?? false);
        Assert.Empty(await RedisKeys.ScanAsync(server.ConnectionString, "*untrusted*"));
    }

    [Fact]
    public async Task TwoInstances_ShareTheCache_TheSecondServesWhatTheFirstStored()
    {
        var endpoint = fixture.Endpoint;
        var prefix = "shared-" + Guid.NewGuid().ToString("N") + ":";
        var first = Start(o => (o.Configuration, o.KeyPrefix) = (endpoint, prefix));
        var second = Start(o => (o.Configuration, o.KeyPrefix) = (endpoint, prefix));
        var other = Start(o => (o.Configuration, o.KeyPrefix) = (endpoint, "other-" + prefix));

        var stored = await first.GetAsync("items?page=1");
        var served = await second.GetAsync("items?page=1");
        var elsewhere = await other.GetAsync("items?page=1");

        Assert.True(stored.IsStored, stored.CacheStatus);
        Assert.True(served.IsHit, served.CacheStatus);
        Assert.Equal(stored.Body, served.Body);
        Assert.Empty(second.Origin.Requests);
        Assert.False(elsewhere.IsHit, "A store with another key prefix shares nothing.");
        Assert.NotEmpty(await RedisKeys.ScanAsync(fixture.AdminConnectionString, prefix + "*"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    private RedisApp Start(Action<RedisHttpCacheOptions> store, TimeSpan? storeTimeout = null)
    {
        var app = RedisApp.Start(store, caching: o => o.StoreTimeout = storeTimeout ?? o.StoreTimeout);
        _apps.Add(app);
        return app;
    }
}
