using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.Memcached.Tests.Helpers;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// The caching handler over memcached, as an application wires it: instances sharing the servers, a new ETag, a server
/// killed and started again, three servers with one stopped, values beyond the item size limit. Time is a fake clock;
/// nothing waits for time to pass.
/// </summary>
public sealed class MemcachedEndToEndTests(MemcachedServerFixture fixture) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly string _prefix = $"e2e-{Guid.NewGuid():N}:";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoInstances_ShareTheServers_SecondIsServedFromTheFirstsWrite()
    {
        var origin = MemcachedApp.NewOrigin(_time);
        var first = Own(MemcachedApp.Start(Store(fixture.Endpoint), origin, _time));
        var second = Own(MemcachedApp.Start(Store(fixture.Endpoint), origin, _time));

        var written = await first.GetAsync("items/shared");
        var read = await second.GetAsync("items/shared");

        Assert.True(written.IsStored, written.CacheStatus);
        Assert.True(read.IsHit, read.CacheStatus);
        Assert.Equal(written.Body, read.Body);
        Assert.Single(origin.Requests);
    }

    [Fact]
    public async Task NewETag_WritesANewVersion_OldOneStays()
    {
        var server = await DedicatedAsync();
        var etag = "\"v1\"";
        var origin = new OriginStub(request =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"body of {etag}", Encoding.UTF8, "text/plain") };
            response.Headers.Date = _time.GetUtcNow();
            response.Headers.ETag = new EntityTagHeaderValue(etag);
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromSeconds(60) };
            return response;
        });
        var app = Own(MemcachedApp.Start(Store(server.Endpoint), origin, _time));

        Assert.True((await app.GetAsync("feed")).IsStored);
        Assert.Single(await BodyKeysAsync(server));

        etag = "\"v2\"";
        _time.Advance(TimeSpan.FromSeconds(61));
        var changed = await app.GetAsync("feed");

        Assert.Equal("body of \"v2\"", changed.Body);
        Assert.Equal(2, (await BodyKeysAsync(server)).Count);
        Assert.Equal("body of \"v2\"", (await app.GetAsync("feed")).Body);
    }

    [Fact]
    public async Task ServerKilledAndRestarted_NoRequestFails_CachingResumes()
    {
        var server = await DedicatedAsync();
        var app = Own(MemcachedApp.Start(Store(server.Endpoint), time: _time));
        var failures = new List<string>();
        async Task<MemcachedApp.Reply> GetAsync(string path)
        {
            var reply = await app.GetAsync(path);
            if (reply.Status != HttpStatusCode.OK)
            {
                failures.Add($"{path}: {reply.Status} {reply.CacheStatus}");
            }

            return reply;
        }

        for (var i = 0; i < 10; i++)
        {
            await GetAsync($"items/{i}");
        }

        Assert.NotEmpty(await MemcachedKeys.ListAsync(server.Endpoint));
        await server.KillAsync();

        // The server is gone: the pooled connections break, the server is skipped, the handler's breaker opens.
        for (var i = 0; i < 30; i++)
        {
            await GetAsync($"items/{i % 12}");
        }

        await server.StartAsync();
        Assert.Empty(await MemcachedKeys.ListAsync(server.Endpoint));

        // Past the server's retry interval and the handler's longest break, on the fake clock.
        _time.Advance(TimeSpan.FromSeconds(3));
        var after = await GetAsync("items/after-restart");

        Assert.Empty(failures);
        Assert.True(after.IsStored, after.CacheStatus);
        Assert.True((await GetAsync("items/after-restart")).IsHit);
        Assert.NotEmpty(await MemcachedKeys.ListAsync(server.Endpoint));
        Assert.Single(app.StoreLogs(MemcachedHttpCacheDiagnostics.ServerDownEventId), e => e.Level == LogLevel.Warning);
        Assert.Single(app.StoreLogs(MemcachedHttpCacheDiagnostics.ServerRestoredEventId));
    }

    [Fact]
    public async Task ThreeServers_OneStopped_NothingFails_ItsKeysMoveToTheOthers()
    {
        var servers = await Task.WhenAll(DedicatedAsync(), DedicatedAsync(), DedicatedAsync());
        var app = Own(MemcachedApp.Start(Store(string.Join(",", servers.Select(s => s.Endpoint))), time: _time));
        var paths = Enumerable.Range(0, 40).Select(i => $"items/{i}").ToArray();
        foreach (var path in paths)
        {
            Assert.True((await app.GetAsync(path)).IsStored);
        }

        var before = await Task.WhenAll(servers.Select(s => MemcachedKeys.ListAsync(s.Endpoint)));
        Assert.All(before, keys => Assert.NotEmpty(keys));
        Assert.Equal(paths.Length * 2, before.Sum(k => k.Count));

        await servers[1].KillAsync();
        var replies = new List<MemcachedApp.Reply>();
        foreach (var path in paths)
        {
            replies.Add(await app.GetAsync(path));
        }

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Contains(replies, r => r.IsHit);
        var after = await Task.WhenAll(MemcachedKeys.ListAsync(servers[0].Endpoint), MemcachedKeys.ListAsync(servers[2].Endpoint));

        // The stopped server's records were written again, on the two that are up; theirs stayed where they were
        // (asked key by key: a crawler dump can miss an item a hit has just moved between LRU queues).
        Assert.True(after[0].Count + after[1].Count > before[0].Count + before[2].Count);
        Assert.Equal(before[0].Order(StringComparer.Ordinal), (await MemcachedKeys.HeldAsync(servers[0].Endpoint, before[0])).Order(StringComparer.Ordinal));
        Assert.Equal(before[2].Order(StringComparer.Ordinal), (await MemcachedKeys.HeldAsync(servers[2].Endpoint, before[2])).Order(StringComparer.Ordinal));
        foreach (var path in paths)
        {
            Assert.True((await app.GetAsync(path)).IsHit, path);
        }

        var down = Assert.Single(app.StoreLogs(MemcachedHttpCacheDiagnostics.ServerDownEventId), e => e.Level == LogLevel.Warning);
        Assert.Contains(servers[1].Endpoint, down.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyLargerThanTheItemSize_NotStored_LoggedOnceNamingTheSetting_RequestsSucceed()
    {
        var server = await DedicatedAsync(itemSize: "1m");
        var body = new string('x', 2 * 1024 * 1024);
        var origin = new OriginStub(request =>
        {
            var big = request.RequestUri!.AbsolutePath.StartsWith("/big/", StringComparison.Ordinal);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(big ? body : "small", Encoding.UTF8, "text/plain") };
            response.Headers.Date = _time.GetUtcNow();
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromSeconds(60) };
            return response;
        });
        var app = Own(MemcachedApp.Start(Store(server.Endpoint), origin, _time));

        // More in a row than the cache's breakers count to: a value too large says nothing of the server's health.
        var replies = new List<MemcachedApp.Reply>();
        for (var i = 0; i < 12; i++)
        {
            replies.Add(await app.GetAsync($"big/{i}"));
        }

        Assert.All(replies, r => Assert.Equal((HttpStatusCode.OK, body.Length), (r.Status, r.Body.Length)));
        Assert.All(replies, r => Assert.True(r.StoreFailed, r.CacheStatus));
        var logged = Assert.Single(app.StoreLogs(MemcachedHttpCacheDiagnostics.ItemTooLargeEventId));
        Assert.Contains("-I", logged.Message, StringComparison.Ordinal);
        Assert.Contains("item_size_max = 1048576", logged.Message, StringComparison.Ordinal);
        Assert.Contains("MaxBodySize", logged.Message, StringComparison.Ordinal);

        // Small responses are still cached on that server: writes were never suspended.
        Assert.True((await app.GetAsync("items/small")).IsStored);
        Assert.Empty(app.LogsWith(HttpCachingDiagnostics.StoreLoggerCategory, HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId));
    }

    [Fact]
    public async Task SetAsync_LimitUnknown_LearnsItFromTheFirstRefusal_LoggedOnce()
    {
        var server = await DedicatedAsync(itemSize: "1m");
        var stores = new MemcachedStores();
        _owned.Add(stores);
        var store = stores.Create(o => o.Servers = server.Endpoint, _time, readItemSizeLimit: false);
        var large = new byte[1024 * 1024];
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

        var first = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("large-1", large, options, Ct));
        var second = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("large-2", [.. large, 1], options, Ct));
        await store.SetAsync("small", [1, 2, 3], options, Ct);

        Assert.Equal(("value", "value"), (first.ParamName, second.ParamName));
        Assert.Contains("item size limit (-I)", first.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("large-1", first.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], await store.GetAsync("small", Ct));
        var logged = Assert.Single(stores.StoreLogs(MemcachedHttpCacheDiagnostics.ItemTooLargeEventId));
        Assert.Contains("did not say its item_size_max", logged.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Nodes[0].ItemSizeMax);
        Assert.True(store.Nodes[0].SmallestRefused <= large.Length + 200);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SetAsync_TooLarge_TheKeysOlderValueIsRemoved(bool limitKnown)
    {
        // Refused by the store from the limit it read, or by the server itself: the older value must not outlive it.
        var server = await DedicatedAsync(itemSize: "1m");
        var stores = new MemcachedStores();
        _owned.Add(stores);
        var store = stores.Create(o => o.Servers = server.Endpoint, _time, readItemSizeLimit: limitKnown);
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };
        await store.SetAsync("record", [1, 2, 3], options, Ct);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("record", new byte[2 * 1024 * 1024], options, Ct));

        Assert.Null(await store.GetAsync("record", Ct));
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private Action<MemcachedHttpCacheOptions> Store(string servers) => o =>
    {
        o.Servers = servers;
        o.KeyPrefix = _prefix;
    };

    private T Own<T>(T owned)
        where T : IAsyncDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    private async Task<MemcachedServer> DedicatedAsync(string itemSize = "16m") => Own(await fixture.StartDedicatedServerAsync(itemSize: itemSize));

    private async Task<IReadOnlyList<string>> BodyKeysAsync(MemcachedServer server) =>
        [.. (await MemcachedKeys.ListAsync(server.Endpoint)).Where(k => k.StartsWith(_prefix, StringComparison.Ordinal) && k.Contains(":b:", StringComparison.Ordinal))];
}
