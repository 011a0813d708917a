using System.Net;
using HttpCaching.StackExchangeRedis.Internal;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// The design's warning, enforced: a Redis that cannot evict (<c>noeviction</c>, or <c>maxmemory 0</c>) is named in an
/// error and not written to, unless <c>AllowNoEviction</c>; reads go on, and requests succeed either way.
/// </summary>
public sealed class RedisMemoryPolicyTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectLimit = TimeSpan.FromSeconds(30);

    private readonly List<RedisApp> _apps = [];
    private readonly RedisStores _stores = new();
    private RedisServer? _server;

    [Fact]
    public async Task NoEviction_ErrorNamesTheSetting_NothingWritten_ReadsWork_RequestsSucceed()
    {
        _server = await fixture.StartDedicatedServerAsync(maxMemoryPolicy: "noeviction");
        var writer = _stores.Create(o => (o.Configuration, o.AllowNoEviction) = (_server.Endpoint, true));
        await writer.SetAsync("httpcaching:seeded", [1, 2, 3], Absolute(TimeSpan.FromMinutes(10)), Ct);
        var app = Start(o => o.Configuration = _server.Endpoint);

        var first = await app.GetAsync("items/1");
        var again = await app.GetAsync("items/2");
        var elsewhere = await Start(o => o.Configuration = _server.Endpoint).GetAsync("items/1");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.True(first.StoreFailed, first.CacheStatus);
        Assert.True(again.StoreFailed, again.CacheStatus);
        Assert.Equal(HttpStatusCode.OK, elsewhere.Status);
        Assert.False(elsewhere.IsHit, elsewhere.CacheStatus);
        Assert.Equal(["httpcaching:seeded"], await RedisKeys.ScanAsync(_server.ConnectionString, "*"));

        var error = Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.CannotEvictEventId));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("maxmemory-policy noeviction", error.Message, StringComparison.Ordinal);
        Assert.Contains("allkeys-lru", error.Message, StringComparison.Ordinal);

        // Reads, refreshes and removals go on; a write says why it was refused, without the key.
        var store = app.Store;
        Assert.Equal([1, 2, 3], await store.GetAsync("httpcaching:seeded", Ct));
        await store.RefreshAsync("httpcaching:seeded", Ct);
        var refused = await Assert.ThrowsAsync<RedisStoreException>(() => store.SetAsync("httpcaching:secret-key", [4], Absolute(TimeSpan.FromMinutes(1)), Ct));
        Assert.Equal(RedisStoreFailure.WriteRefused, refused.Failure);
        Assert.Contains("noeviction", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-key", refused.Message, StringComparison.Ordinal);
        Assert.Contains(KeyHash.Of("httpcaching:secret-key"), refused.Message, StringComparison.Ordinal);
        Assert.Throws<RedisStoreException>(() => store.Set("httpcaching:secret-key", [4], Absolute(TimeSpan.FromMinutes(1))));
        await store.RemoveAsync("httpcaching:seeded", Ct);
        Assert.Empty(await RedisKeys.ScanAsync(_server.ConnectionString, "*"));
        app.AssertLogsHoldNone("secret-key", ":e:", ":b:");
    }

    [Fact]
    public async Task NoEviction_WithAllowNoEviction_WritesAndWarns()
    {
        _server = await fixture.StartDedicatedServerAsync(maxMemoryPolicy: "noeviction");
        var app = Start(o => (o.Configuration, o.AllowNoEviction) = (_server.Endpoint, true));

        var first = await app.GetAsync("items/1");
        var served = await Start(o => (o.Configuration, o.AllowNoEviction) = (_server.Endpoint, true)).GetAsync("items/1");

        Assert.True(first.IsStored, first.CacheStatus);
        Assert.True(served.IsHit, served.CacheStatus);
        var warning = Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.CannotEvictAllowedEventId));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("maxmemory-policy noeviction", warning.Message, StringComparison.Ordinal);
        Assert.Empty(app.StoreLogs(RedisHttpCacheDiagnostics.CannotEvictEventId));
    }

    [Fact]
    public async Task MaxMemoryZero_ErrorNamesTheSetting_NothingWritten()
    {
        _server = await fixture.StartDedicatedServerAsync(maxMemory: "0", maxMemoryPolicy: "allkeys-lru");
        var app = Start(o => o.Configuration = _server.Endpoint);

        var first = await app.GetAsync("items/1");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.True(first.StoreFailed, first.CacheStatus);
        var error = Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.CannotEvictEventId));
        Assert.Contains("maxmemory 0", error.Message, StringComparison.Ordinal);
        Assert.Empty(await RedisKeys.ScanAsync(_server.ConnectionString, "*"));
    }

    [Fact]
    public async Task PolicyChanged_IsReadAgainWhenTheConnectionIsRestored()
    {
        _server = await fixture.StartDedicatedServerAsync();
        var app = Start(o => o.Configuration = _server.Endpoint);
        Assert.True((await app.GetAsync("items/1")).IsStored);
        Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.MemoryPolicyCheckedEventId));

        await RedisKeys.ExecuteAsync(_server.ConnectionString, "CONFIG", "SET", "maxmemory-policy", "noeviction");
        await ReconnectAsync(app, RedisHttpCacheDiagnostics.CannotEvictEventId);

        Assert.True((await app.GetAsync("items/2")).StoreFailed);
        Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.CannotEvictEventId));

        await RedisKeys.ExecuteAsync(_server.ConnectionString, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        await ReconnectAsync(app, RedisHttpCacheDiagnostics.WritesResumedEventId);

        Assert.True((await app.GetAsync("items/3")).IsStored);
        Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.WritesResumedEventId));
    }

    [Fact]
    public async Task AclDeniesConfigAndInfo_OneWarning_WritesGoAhead()
    {
        var server = fixture.Local;
        void Store(RedisHttpCacheOptions o) =>
            (o.Configuration, o.User, o.Password) = (server.Endpoint, RedisTestUsers.NoConfig, server.Passwords[RedisTestUsers.NoConfig]);
        var app = Start(Store);
        var path = "noconfig/" + Guid.NewGuid().ToString("N");

        var first = await app.GetAsync(path);
        var second = await app.GetAsync(path + "/2");
        var served = await Start(Store).GetAsync(path);

        Assert.True(first.IsStored, first.CacheStatus);
        Assert.True(second.IsStored, second.CacheStatus);
        Assert.True(served.IsHit, served.CacheStatus);
        var warning = Assert.Single(app.StoreLogs(RedisHttpCacheDiagnostics.MemoryPolicyUnreadableEventId));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(RedisTestUsers.NoConfig, warning.Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Level >= LogLevel.Error);
        app.AssertLogsHoldNone(server.Passwords[RedisTestUsers.NoConfig]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        await _stores.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>
    /// Drops the store's connections on the server's side and waits for the verdict of the check their restoration
    /// starts: the store's log record <paramref name="verdictEventId"/> (written once the new check has decided).
    /// </summary>
    private async Task ReconnectAsync(RedisApp app, int verdictEventId)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(ReconnectLimit);
        var seen = app.StoreLogs(verdictEventId).Count;
        await RedisKeys.ExecuteAsync(_server!.ConnectionString, "CLIENT", "KILL", "TYPE", "normal");
        await app.Logs.WaitForAsync(verdictEventId, seen + 1, limit.Token);
    }

    private RedisApp Start(Action<RedisHttpCacheOptions> store)
    {
        var app = RedisApp.Start(store);
        _apps.Add(app);
        return app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };
}
