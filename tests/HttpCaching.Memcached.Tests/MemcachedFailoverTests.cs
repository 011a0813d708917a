using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using HttpCaching.Memcached.Internal;
using HttpCaching.Memcached.Tests.Helpers;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// A server that cannot be reached, and keeps its items: its keys go to the next server while it is down, and when it is
/// back nothing it kept through the outage, nor any copy another server kept for it, is read as current.
/// </summary>
public sealed class MemcachedFailoverTests(MemcachedServerFixture fixture) : IAsyncDisposable
{
    private static readonly DistributedCacheEntryOptions AnHour = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) };

    private readonly MemcachedStores _stores = new();
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly string _prefix = $"failover-{Guid.NewGuid():N}:";
    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Set_WhileTheKeysServerIsDown_ItsOlderValueIsNotReadWhenItIsBack()
    {
        var (store, proxy, key) = await TwoServersAsync();
        await store.SetAsync(key, Bytes("v1"), AnHour, Ct);

        proxy.Break();
        await store.SetAsync(key, Bytes("v2"), AnHour, Ct);
        Assert.Equal("v2", Text(await store.GetAsync(key, Ct)));

        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync(key, Ct));
        await store.SetAsync(key, Bytes("v3"), AnHour, Ct);
        Assert.Equal("v3", Text(await store.GetAsync(key, Ct)));
    }

    [Fact]
    public async Task Remove_WhileTheKeysServerIsDown_TheRemovedValueIsNotReadWhenItIsBack()
    {
        var (store, proxy, key) = await TwoServersAsync();
        await store.SetAsync(key, Bytes("v1"), AnHour, Ct);

        proxy.Break();
        await store.RemoveAsync(key, Ct);
        Assert.Null(await store.GetAsync(key, Ct));

        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Get_InALaterOutage_DoesNotReadTheCopyAnEarlierOutageLeft()
    {
        // Outage 1 leaves a copy of v1 on the other server; v2 is written on the key's own server after it; in outage 2
        // that copy of v1 must not be what the key reads.
        var (store, proxy, key) = await TwoServersAsync();
        proxy.Break();
        await store.SetAsync(key, Bytes("v1"), AnHour, Ct);
        Assert.Equal("v1", Text(await store.GetAsync(key, Ct)));

        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));
        await store.SetAsync(key, Bytes("v2"), AnHour, Ct);
        Assert.Equal("v2", Text(await store.GetAsync(key, Ct)));

        proxy.Break();
        Assert.Null(await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Set_MoreKeysThanRememberedWhileDown_TheServerIsFlushedWhenBack()
    {
        var (store, proxy, keys) = await TwoServersAsync(ServerNode.MaxRerouted + 2);
        foreach (var key in keys)
        {
            await store.SetAsync(key, Bytes("v1"), AnHour, Ct);
        }

        proxy.Break();
        foreach (var key in keys)
        {
            await store.SetAsync(key, Bytes("v2"), AnHour, Ct);
        }

        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        foreach (var key in keys)
        {
            Assert.Null(await store.GetAsync(key, Ct));
        }

        Assert.Single(_stores.StoreLogs(MemcachedHttpCacheDiagnostics.ServerFlushedEventId));
    }

    [Fact]
    public async Task Set_AFewKeysWhileDown_OnlyThoseGoWhenTheServerIsBack()
    {
        var (store, proxy, keys) = await TwoServersAsync(2);
        foreach (var key in keys)
        {
            await store.SetAsync(key, Bytes("v1"), AnHour, Ct);
        }

        proxy.Break();
        await store.SetAsync(keys[0], Bytes("v2"), AnHour, Ct);
        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync(keys[0], Ct));
        Assert.Equal("v1", Text(await store.GetAsync(keys[1], Ct)));
        Assert.Empty(_stores.StoreLogs(MemcachedHttpCacheDiagnostics.ServerFlushedEventId));
    }

    [Fact]
    public async Task AnyCall_AfterTheServerIsBack_CleansItUpForTheOtherInstancesToo()
    {
        // This store wrote a key of server A elsewhere while A was down. Once A is back, its next call of any key (here
        // one of the other server) removes that key from A, so another store over the same servers does not read it.
        var (store, proxy, keys) = await TwoServersAsync(1);
        await store.SetAsync(keys[0], Bytes("v1"), AnHour, Ct);
        proxy.Break();
        await store.SetAsync(keys[0], Bytes("v2"), AnHour, Ct);
        proxy.Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync(KeysOf(store, owner: 1, _prefix, 1)[0], Ct));
        var another = _stores.Create(o =>
        {
            o.Servers = string.Join(",", store.Nodes.Select(n => n.Name));
            o.KeyPrefix = _prefix;
        }, _time);

        Assert.Null(await another.GetAsync(keys[0], Ct));
    }

    [Fact]
    public async Task AnyCall_WhileAnotherServersCleanUpHangs_IsAnsweredByItsOwnServerAndTheOtherIsMarkedDown()
    {
        // Server A first refuses connections, so a write of one of its keys goes to B and is remembered. A then comes
        // back silent: it accepts connections and never answers. A read of one of B's keys cleans A up first, which
        // takes a timeout of its own: the read is still answered by B, and A is down again, so the next calls do not
        // each wait for it.
        var (store, a, onB) = await BackSilentAfterAReroutedWriteAsync();
        var read = store.GetAsync(onB, Ct);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("b's value", Text(await read));
        Assert.True(store.Nodes[0].IsSkipped);
        Assert.True(store.Nodes[0].HasRerouted);
        Assert.Equal("b's value", Text(await store.GetAsync(onB, Ct)));
    }

    [Fact]
    public async Task AnyCall_WhoseCallerGivesUpFirst_StillLeavesASilentServerMarkedDown()
    {
        // As the caching handler calls the store: its StoreTimeout (250 ms by default) is shorter than OperationTimeout
        // (2 s). A comes back silent; a call of one of B's keys cleans A up first, and its caller gives up before the
        // clean-up's own timeout. The clean-up still ends with A marked down, or every next call would wait on A again.
        var (store, a, onB) = await BackSilentAfterAReroutedWriteAsync();

        using var storeTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(250), _time);
        var read = store.GetAsync(onB, storeTimeout.Token);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (a.Held == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "A never got the clean-up's connection.");
            await Task.Yield();
        }

        _time.Advance(TimeSpan.FromMilliseconds(250));
        _time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await read);

        Assert.True(store.Nodes[0].IsSkipped, "A silent server whose clean-up outlasted the caller is not marked down.");
        Assert.Equal("b's value", Text(await store.GetAsync(onB, Ct)));
    }

    [Fact]
    public async Task Get_OperationTimeoutOnASilentServer_TheNextServerIsNeitherTriedNorMarkedDown()
    {
        // The key's server accepts connections and never answers. Once the operation's time has run out there is none
        // left to try the next server with: it must not be marked down for a call it never received.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var client = await silent.AcceptTcpClientAsync(Ct);
                    lock (held)
                    {
                        held.Add(client);
                    }
                }
            }
            catch (Exception)
            {
                // Stopped: whichever way the listener says so (not listening any more, disposed, cancelled).
            }
        }, Ct);
        await using var healthy = new ScriptedServer((_, opaque) => ScriptedServer.Ascii($"EN O{opaque}\r\n"));
        try
        {
            var silentEndpoint = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
            var store = _stores.Create(o =>
            {
                o.Servers = silentEndpoint + "," + healthy.Endpoint;
                o.OperationTimeout = TimeSpan.FromSeconds(2);
                o.ConnectTimeout = TimeSpan.FromSeconds(10);
            }, _time);
            var onSilent = KeysOf(store, owner: 0, string.Empty, 1)[0];
            var onHealthy = KeysOf(store, owner: 1, string.Empty, 1)[0];

            var call = store.GetAsync(onSilent, Ct);
            _time.Advance(TimeSpan.FromSeconds(2));
            var failure = await Assert.ThrowsAsync<MemcachedStoreException>(() => call);

            Assert.Equal(MemcachedStoreFailure.Timeout, failure.Failure);
            Assert.Equal(0, healthy.Connections);
            Assert.False(store.Nodes[1].IsDown);
            Assert.Null(await store.GetAsync(onHealthy, Ct));
        }
        finally
        {
            silent.Stop();
            await accepting;
            foreach (var client in held)
            {
                client.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(5, false)]
    [InlineData(0, false)]
    [InlineData(5, true)]
    public async Task Invalidation_WhileTheUrlsServerIsDown_NoInstanceServesTheOlderVersionWhenItIsBack(int nearCacheSeconds, bool anotherInstance)
    {
        // A POST invalidates a URL while its memcached server cannot be reached; when the server is back, neither this
        // instance nor one that never saw version 2 (another, or this one restarted) serves version 1 from the cache.
        fixture.EnsureAvailable();
        var a = await fixture.StartDedicatedServerAsync();
        _owned.Add(a);
        var b = await fixture.StartDedicatedServerAsync();
        _owned.Add(b);
        var proxy = new BreakableProxy(a.Endpoint);
        _owned.Add(proxy);

        var version = 1;
        var origin = new OriginStub(request =>
        {
            if (request.Method == HttpMethod.Post)
            {
                version++;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("ok") };
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"version {version}", Encoding.UTF8, "text/plain") };
            response.Headers.Date = _time.GetUtcNow();
            response.Headers.ETag = new EntityTagHeaderValue($"\"v{version}\"");
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromHours(1) };
            return response;
        });
        void Store(MemcachedHttpCacheOptions o)
        {
            o.Servers = proxy.Endpoint + "," + b.Endpoint;
            o.ServerRetryInterval = TimeSpan.FromSeconds(1);
        }

        var app = MemcachedApp.Start(Store, origin, _time, c => c.NearCacheEntryDuration = TimeSpan.FromSeconds(nearCacheSeconds));
        _owned.Add(app);

        // A path all of whose records are on server A (nothing new on B).
        string? path = null;
        for (var i = 0; i < 40 && path is null; i++)
        {
            var before = (await MemcachedKeys.ListAsync(b.Endpoint)).Count;
            Assert.True((await app.GetAsync($"feed/{i}")).IsStored);
            if ((await MemcachedKeys.ListAsync(b.Endpoint)).Count == before)
            {
                path = $"feed/{i}";
            }
        }

        Assert.NotNull(path);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("version 1", (await app.GetAsync(path)).Body);

        proxy.Break();
        using (var post = await app.Client.PostAsync(new Uri(MemcachedApp.BaseAddress, path), new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        Assert.Equal("version 2", (await app.GetAsync(path)).Body);

        // Back: this instance uses the store again (a URL of its own), after which no instance reads what server A kept.
        proxy.Heal();
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("other")).Status);
        var reader = app;
        if (anotherInstance)
        {
            reader = MemcachedApp.Start(Store, origin, _time, c => c.NearCacheEntryDuration = TimeSpan.FromSeconds(nearCacheSeconds));
            _owned.Add(reader);
        }

        Assert.Equal("version 2", (await reader.GetAsync(path)).Body);
    }

    [Fact]
    public async Task Get_NextServerBackWhileTheKeysServerIsStillDown_DoesNotReadTheCopyItKeptThroughItsOutage()
    {
        // The key's server A is down: its copy of v1 goes to B. Then B is down too: the removal goes to C. B comes back
        // while A is still down: the copy of v1 B kept through its outage must not be read, for it was removed since.
        var (store, proxies, key) = await ThreeServersAsync();
        proxies[0].Break();
        await store.SetAsync(key, Bytes("v1"), AnHour, Ct);
        Assert.Equal("v1", Text(await store.GetAsync(key, Ct)));

        proxies[1].Break();
        await store.RemoveAsync(key, Ct);
        Assert.Null(await store.GetAsync(key, Ct));

        proxies[1].Heal();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Get_NextServerDownAgainWhileTheKeysServerIsStillDown_DoesNotReadTheCopyOfItsEarlierOutage()
    {
        // A and B are down: the copy of v1 goes to C. B comes back and the key is removed there; then B is down again:
        // the copy of v1 that C still holds must not be read, for it was removed since.
        var (store, proxies, key) = await ThreeServersAsync();
        proxies[0].Break();
        proxies[1].Break();
        await store.SetAsync(key, Bytes("v1"), AnHour, Ct);
        Assert.Equal("v1", Text(await store.GetAsync(key, Ct)));

        proxies[1].Heal();
        _time.Advance(TimeSpan.FromSeconds(5));
        await store.RemoveAsync(key, Ct);
        Assert.Null(await store.GetAsync(key, Ct));

        proxies[1].Break();
        Assert.Null(await store.GetAsync(key, Ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _stores.DisposeAsync();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);

    private static string[] KeysOf(MemcachedCacheStore store, int owner, string prefix, int count)
    {
        var ring = new KetamaRing([.. store.Nodes.Select(n => n.Name)]);
        return [.. Enumerable.Range(0, 100_000).Select(i => $"k{i}").Where(k => ring.Owner(KetamaRing.Hash(KeyEncoder.Raw(prefix, k))) == owner).Take(count)];
    }

    /// <summary>
    /// Two servers: A refuses connections, so a write of one of its keys goes to B and is remembered; then A accepts
    /// connections again and never answers, past its retry interval. B holds a key of its own, <c>OnB</c>, with
    /// "b's value".
    /// </summary>
    private async Task<(MemcachedCacheStore Store, SwitchableServer A, string OnB)> BackSilentAfterAReroutedWriteAsync()
    {
        fixture.EnsureAvailable();
        var b = await fixture.StartDedicatedServerAsync();
        _owned.Add(b);
        var a = new SwitchableServer();
        _owned.Add(a);
        var store = _stores.Create(o =>
        {
            o.Servers = a.Endpoint + "," + b.Endpoint;
            o.ServerRetryInterval = TimeSpan.FromSeconds(1);
            o.OperationTimeout = TimeSpan.FromSeconds(2);
            o.ConnectTimeout = TimeSpan.FromSeconds(10);
        }, _time);
        var onA = KeysOf(store, owner: 0, string.Empty, 1)[0];
        var onB = KeysOf(store, owner: 1, string.Empty, 1)[0];
        await store.SetAsync(onB, Bytes("b's value"), AnHour, Ct);
        await store.SetAsync(onA, Bytes("rerouted"), AnHour, Ct);
        Assert.True(store.Nodes[0].HasRerouted);

        a.Silent = true;
        _time.Advance(TimeSpan.FromSeconds(5));
        return (store, a, onB);
    }

    /// <summary>Three servers, each behind a relay that can cut it off, and a key that tries them in their order.</summary>
    private async Task<(MemcachedCacheStore Store, BreakableProxy[] Proxies, string Key)> ThreeServersAsync()
    {
        fixture.EnsureAvailable();
        var proxies = new BreakableProxy[3];
        for (var i = 0; i < 3; i++)
        {
            var server = await fixture.StartDedicatedServerAsync();
            _owned.Add(server);
            proxies[i] = new BreakableProxy(server.Endpoint);
            _owned.Add(proxies[i]);
        }

        var store = _stores.Create(o =>
        {
            o.Servers = string.Join(",", proxies.Select(p => p.Endpoint));
            o.KeyPrefix = _prefix;
            o.ServerRetryInterval = TimeSpan.FromSeconds(1);
        }, _time);
        var ring = new KetamaRing([.. store.Nodes.Select(n => n.Name)]);
        var key = Enumerable.Range(0, 100_000).Select(i => $"k{i}")
            .First(k => ring.Order(KetamaRing.Hash(KeyEncoder.Raw(_prefix, k))).SequenceEqual([0, 1, 2]));
        return (store, proxies, key);
    }

    /// <summary>A store over two servers, the first behind a relay that can cut it off, and keys whose server that is.</summary>
    private async Task<(MemcachedCacheStore Store, BreakableProxy Proxy, string[] Keys)> TwoServersAsync(int keys)
    {
        fixture.EnsureAvailable();
        var other = await fixture.StartDedicatedServerAsync();
        _owned.Add(other);
        var dedicated = await fixture.StartDedicatedServerAsync();
        _owned.Add(dedicated);
        var proxy = new BreakableProxy(dedicated.Endpoint);
        _owned.Add(proxy);
        var store = _stores.Create(o =>
        {
            o.Servers = proxy.Endpoint + "," + other.Endpoint;
            o.KeyPrefix = _prefix;
            o.ServerRetryInterval = TimeSpan.FromSeconds(1);
        }, _time);
        return (store, proxy, KeysOf(store, owner: 0, _prefix, keys));
    }

    private async Task<(MemcachedCacheStore Store, BreakableProxy Proxy, string Key)> TwoServersAsync()
    {
        var (store, proxy, keys) = await TwoServersAsync(1);
        return (store, proxy, keys[0]);
    }
}
