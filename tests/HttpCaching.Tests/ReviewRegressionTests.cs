using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Regressions found by a hostile review: each test failed on the code before its fix. Slow origins, collapsed callers
/// with other credentials, invalidations of varying responses and during store outages, late responses of requests
/// given up, HEAD requests, a full near cache, and configuration of clients that differ only in case.
/// </summary>
public sealed class ReviewRegressionTests
{
    private const string Url = "https://api.example.test/r";

    // R1: the store budget counts origin time, so a slow origin's response is never stored.
    [Fact]
    public async Task Store_OriginSlowerThanStoreTimeout_ResponseStillStored()
    {
        var calls = 0;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler((_, _) =>
        {
            Interlocked.Increment(ref calls);
            self!.Time.Advance(TimeSpan.FromMilliseconds(400)); // the origin takes 400 ms
            return Task.FromResult(self.Response("v1", "max-age=600", "\"v1\""));
        }));

        using var first = await harness.GetAsync(Url);
        Assert.Contains("stored", first.CacheStatus(), StringComparison.Ordinal);
        using var second = await harness.GetAsync(Url);
        Assert.Equal(1, calls);
    }

    // R2: a collapsed caller with other credentials gets the leader's personal response, which the store would
    // never have served it without validation (lifetime 0: no floor for credentialed requests).
    [Theory]
    [InlineData("Cookie", "must-revalidate")]
    [InlineData("Authorization", "must-revalidate")]
    [InlineData("Cookie", null)]
    public async Task Collapsed_FollowerWithOtherCredentials_NeverGetsTheLeadersPersonalResponse(string header, string? cacheControl)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler(async (request, _) =>
        {
            var who = string.Join(",", request.Headers.GetValues(header));
            await gate.Task;
            return self!.Response("page of " + who, cacheControl);
        }));
        // Started one after the other on this thread: bob has joined alice's origin request when his call returns (see
        // ConcurrentCallers).
        var alice = harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, "alice"));
        var bob = harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, "bob"));
        gate.SetResult();
        using var a = await alice;
        using var b = await bob;
        Assert.Equal("page of alice", await a.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("page of bob", await b.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R3: invalidation removes only the Vary record; an old variant entry comes back once any variant is stored again.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invalidation_OfAVaryingResponse_OldVariantsNeverComeBack(bool viaInvalidator)
    {
        var version = 1;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler((request, _) =>
        {
            if (request.Method == HttpMethod.Post)
            {
                version++;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
            }

            var language = request.Headers.AcceptLanguage.ToString();
            var response = self!.Response($"v{version} [{language}]", "max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            return Task.FromResult(response);
        }));

        (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Accept-Language", "en"))).Dispose();
        if (viaInvalidator)
        {
            version++;
            Assert.True(await harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), TestContext.Current.CancellationToken));
        }
        else
        {
            using var post = await harness.Client().PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken);
        }

        (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Accept-Language", "fr"))).Dispose();
        using var en = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Accept-Language", "en"));
        Assert.Equal("v2 [en]", await en.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R4: a background revalidation given up after OriginTimeout still applies its late 304, over the newer version
    // a later request stored meanwhile.
    [Fact(Timeout = 30_000)]
    public async Task OriginTimeout_LateResponseOfAGivenUpRequest_NeverOverwritesANewerVersion()
    {
        var calls = 0;
        var late = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(5);
            },
            origin: new LambdaHandler((_, _) =>
            {
                switch (Interlocked.Increment(ref calls))
                {
                    case 1: return Task.FromResult(self!.Response("v1", "max-age=60", "\"v1\""));
                    case 2: reached.TrySetResult(); return late.Task; // ignores cancellation
                    default: return Task.FromResult(self!.Response("v2", "max-age=600", "\"v2\""));
                }
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        (await harness.GetAsync(Url)).Dispose(); // stale-while-revalidate: background request hangs
        await reached.Task;
        harness.Time.Advance(harness.Options().OriginTimeout);
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        (await harness.GetAsync(Url)).Dispose(); // another background revalidation: stores v2
        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the second background revalidation stores v2");
        using (var v2 = await harness.GetAsync(Url))
        {
            Assert.Equal("v2", await v2.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // The first background request finally answers: 304 for v1.
        // Its flight ended at OriginTimeout, so the late answer is only disposed, never written: nothing to wait for.
        late.SetResult(harness.NotModified("max-age=600", "\"v1\""));

        using var after = await harness.GetAsync(Url);
        Assert.Equal("v2", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R5: an origin that hangs is never backed off: every request after a timeout waits OriginTimeout again.
    [Fact(Timeout = 30_000)]
    public async Task OriginTimeout_OriginThatNeverAnswers_IsBackedOff()
    {
        var calls = 0;
        var reached = new SemaphoreSlim(0);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            origin: new LambdaHandler(async (_, token) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    return self!.Response("v1", "max-age=60", "\"v1\"");
                }

                reached.Release();
                await Task.Delay(Timeout.Infinite, token); // honours cancellation, never answers
                throw new InvalidOperationException();
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var first = harness.GetAsync(Url);
        await reached.WaitAsync(TestContext.Current.CancellationToken);
        harness.Time.Advance(harness.Options().OriginTimeout);
        using (var stale = await first)
        {
            Assert.Contains("detail=origin-unreachable", stale.CacheStatus(), StringComparison.Ordinal);
        }

        // OriginBackoff (30 s) holds the origin off: the stored response is served without calling it (a call would hang).
        using var held = await harness.GetAsync(Url);
        Assert.Contains("detail=retry-after", held.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }

    // R6: a HEAD answered for another representation writes this instance's older snapshot (marked stale) over the
    // newer version another instance stored; that older version is then served (stale-if-error) after the newer one.
    [Fact]
    public async Task Head_FromAnOlderView_NeverReplacesAnotherInstancesNewerVersion()
    {
        var shared = new RecordingDistributedCache(TimeProvider.System);
        Action<ThirdPartyCachingOptions> configure = o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.NearCacheEntryDuration = TimeSpan.FromMinutes(5);
        };
        using var a = new CachingHarness(configure, registerStore: false, nearCache: true, services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(shared));
        using var b = new CachingHarness(configure, registerStore: false, nearCache: true, services: s =>
        {
            s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(shared);
            s.AddSingleton<TimeProvider>(a.Time);
        });
        var down = false;
        a.Origin.When(HttpMethod.Head, Url).Respond(_ => a.Response("", "max-age=600", "\"v2\""));
        a.Origin.When(Url).Respond(_ => a.Response("v1", "max-age=60", "\"v1\""));
        b.Origin.When(Url).Respond(_ => down ? a.Response("down", status: HttpStatusCode.ServiceUnavailable) : a.Response("v2", "max-age=60", "\"v2\""));

        (await a.GetAsync(Url)).Dispose();
        a.Time.Advance(TimeSpan.FromMinutes(2));
        using (var v2 = await b.GetAsync(Url))
        {
            Assert.Equal("v2", await v2.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        using (var head = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            (await a.Client().SendAsync(head, TestContext.Current.CancellationToken)).Dispose();
        }

        a.Time.Advance(TimeSpan.FromMinutes(6));
        down = true;
        using var fromB = await b.GetAsync(Url);
        Assert.Equal("v2", await fromB.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R7: a collapsed follower whose shared result was not shareable sends its own request outside the try/catch
    // (and outside OriginTimeout): when that fails, the exception escapes although stale-if-error allows the stored
    // response. The result is unshareable here because the 304 could not be written (budget spent by origin time).
    [Fact(Timeout = 30_000)]
    public async Task Collapsed_FollowersOwnRequestFails_GetsTheStoredResponse()
    {
        var calls = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            origin: new LambdaHandler(async (_, _) =>
            {
                switch (Interlocked.Increment(ref calls))
                {
                    case 1: return self!.Response("v1", "max-age=60", "\"v1\"");
                    case 2:
                        await gate.Task;
                        self!.Time.Advance(TimeSpan.FromMilliseconds(300));
                        return self.NotModified("max-age=60", "\"v1\"");
                    default: throw new HttpRequestException("Connection refused");
                }
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        // Started one after the other on this thread: the follower has joined when its call returns (see ConcurrentCallers).
        var leader = harness.GetAsync(Url);
        var follower = harness.GetAsync(Url);
        gate.SetResult();
        using var l = await leader;
        using var f = await follower; // throws HttpRequestException
        Assert.Equal("v1", await f.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private sealed class SwitchableStore(Microsoft.Extensions.Caching.Distributed.IDistributedCache inner) : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        public bool Down { get; set; }

        private Task Check() => Down ? Task.FromException(new InvalidOperationException("down")) : Task.CompletedTask;

        public byte[]? Get(string key) => throw new NotSupportedException();
        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) { await Check(); return await inner.GetAsync(key, token); }
        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options) => throw new NotSupportedException();
        public async Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) { await Check(); await inner.SetAsync(key, value, options, token); }
        public void Refresh(string key) => throw new NotSupportedException();
        public async Task RefreshAsync(string key, CancellationToken token = default) { await Check(); await inner.RefreshAsync(key, token); }
        public void Remove(string key) => throw new NotSupportedException();
        public async Task RemoveAsync(string key, CancellationToken token = default) { await Check(); await inner.RemoveAsync(key, token); }
    }

    // R8: an invalidation while the store is down (or the breaker open) is lost: once the store is back, the
    // invalidated response is served again as a hit.
    [Fact]
    public async Task Invalidation_DuringStoreOutage_IsNotLost()
    {
        var inner = new RecordingDistributedCache(TimeProvider.System);
        var store = new SwitchableStore(inner);
        using var harness = new CachingHarness(registerStore: false, nearCache: true, services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(store));
        var version = 1;
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ => { version++; return new HttpResponseMessage(HttpStatusCode.NoContent); });
        harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response($"v{version}", "max-age=600"));
        (await harness.GetAsync(Url)).Dispose();

        store.Down = true;
        using (var post = new HttpRequestMessage(HttpMethod.Post, Url))
        {
            (await harness.Client().SendAsync(post, TestContext.Current.CancellationToken)).Dispose();
        }

        store.Down = false;
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        using var after = await harness.GetAsync(Url);
        Assert.Equal("v2", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private sealed class HangingRemoveStore(Microsoft.Extensions.Caching.Distributed.IDistributedCache inner, TaskCompletionSource reached) : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        public byte[]? Get(string key) => inner.Get(key);
        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);
        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options) => inner.Set(key, value, options);
        public Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);
        public void Refresh(string key) => inner.Refresh(key);
        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);
        public void Remove(string key) => inner.Remove(key);
        public Task RemoveAsync(string key, CancellationToken token = default) { reached.TrySetResult(); return Task.Delay(Timeout.Infinite, token); }
    }

    private sealed class TrackedContent() : StringContent("created")
    {
        public bool Disposed { get; private set; }
        protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
    }

    // R9: the caller cancels while the invalidation after a successful POST waits on the store: the POST's response
    // is never disposed and the caller gets OperationCanceledException for a request the origin executed.
    [Fact(Timeout = 30_000)]
    public async Task Post_CallerCancelsDuringInvalidation_ResponseNotLeaked()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new RecordingDistributedCache(TimeProvider.System);
        var clock = new TimerWatchingTimeProvider();
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(new HangingRemoveStore(inner, reached)));
        clock.Attach(harness.Time);
        var content = new TrackedContent();
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ => new HttpResponseMessage(HttpStatusCode.Created) { Content = content });

        using var cancel = new CancellationTokenSource();
        using var post = new HttpRequestMessage(HttpMethod.Post, Url);
        var send = harness.Client().SendAsync(post, cancel.Token);
        await reached.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        // The invalidation goes on without the caller's token, bounded by the store timeout.
        await clock.WhenTimersCreated(1).WaitAsync(TestContext.Current.CancellationToken);
        clock.Advance(harness.Options().StoreTimeout);
        try
        {
            using var response = await send;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        catch (OperationCanceledException)
        {
            // HttpClient may still report the caller's cancellation; the response must not leak either way.
        }

        Assert.True(content.Disposed, "the origin's response was not disposed");
    }

    // R10: a HEAD within stale-while-revalidate starts the background revalidation with the HEAD request itself:
    // the origin's (bodiless) HEAD answer is stored as the GET response, and every GET then gets an empty body.
    // The HEAD caller itself is also given the full body.
    [Fact(Timeout = 30_000)]
    public async Task HeadWithinStaleWhileRevalidate_RevalidatesWithGetAndServesNoBody()
    {
        var methods = new System.Collections.Concurrent.ConcurrentQueue<HttpMethod>();
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(5);
            },
            origin: new LambdaHandler((request, _) =>
            {
                methods.Enqueue(request.Method);
                if (request.Method == HttpMethod.Head)
                {
                    // A HEAD answer as a chunked origin sends it: headers, no length, no body.
                    var head = self!.Response("", "max-age=600", "\"v2\"");
                    head.Content = new StreamContent(new HttpCaching.Testing.NonSeekableStream([]));
                    return Task.FromResult(head);
                }

                return Task.FromResult(self!.Response("the full body", "max-age=60", "\"v1\""));
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (var head = new HttpRequestMessage(HttpMethod.Head, Url))
        using (var headResponse = await harness.Client().SendAsync(head, TestContext.Current.CancellationToken))
        {
            Assert.Empty(await headResponse.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task HeadWithinStaleWhileRevalidate_NextGet_GetsTheFullBody()
    {
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(5);
            },
            origin: new LambdaHandler((request, _) =>
            {
                if (request.Method == HttpMethod.Head)
                {
                    var head = self!.Response("", "max-age=600", "\"v2\"");
                    head.Content = new StreamContent(new HttpCaching.Testing.NonSeekableStream([]));
                    return Task.FromResult(head);
                }

                return Task.FromResult(self!.Response("the full body", "max-age=60", "\"v1\""));
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        using (var head = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            (await harness.Client().SendAsync(head, TestContext.Current.CancellationToken)).Dispose();
        }

        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background GET stores the full body");
        using var get = await harness.GetAsync(Url);
        Assert.Equal("the full body", await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R11: the near cache is a plain size-limited MemoryCache, which refuses a new entry that does not fit: a pending
    // record is then silently dropped, and the instance goes back to the older version in the store. (Forced here with
    // a record larger than the limit; in production the near cache is at its limit most of the time.)
    [Fact]
    public async Task NearCacheFull_PendingRecordKept_NeverTheOlderVersion()
    {
        var inner = new RecordingDistributedCache(TimeProvider.System);
        var store = new ChaosDistributedCache(inner);
        using var harness = new CachingHarness(
            o => { o.NearCacheSizeLimit = 64 * 1024; o.NearCacheEntryDuration = TimeSpan.FromSeconds(5); },
            registerStore: false, nearCache: true,
            services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(store));
        var version = 1;
        harness.Origin.When($"{Url}*").Respond(_ =>
        {
            var r = harness.Response($"v{version}", "max-age=600", $"\"v{version}\"");
            r.Headers.TryAddWithoutValidation("X-Padding", new string('p', 5000));
            return r;
        });
        (await harness.GetAsync(Url)).Dispose();

        // Fill the near cache to its limit with other URLs, as it is most of the time in production.
        for (var i = 0; i < 20; i++)
        {
            (await harness.GetAsync($"{Url}/other/{i}")).Dispose();
            harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        store.SetFault = StoreFault.Throw; // writes fail, reads work (e.g. Redis at maxmemory with noeviction)
        version = 2;
        using (var forced = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache")))
        {
            Assert.Equal("v2", await forced.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        using var after = await harness.GetAsync(Url);
        Assert.Equal("v2", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // R12: "rss" and "RSS" are two clients, but IConfiguration is case-insensitive: Clients:rss configures both.
    [Fact]
    public void Configuration_ClientsDifferingOnlyInCase_EachTakeOnlyTheirOwnSection()
    {
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?> { ["HttpCaching:Clients:rss:Enabled"] = "false" },
            clientNames: ["rss", "RSS"]);
        harness.ValidateOnStart();
        Assert.False(harness.Options("rss").Enabled);
        Assert.True(harness.Options("RSS").Enabled);
    }

    // R13: the record-limit check runs on the received headers, then a Date is added: 4,096 fields without Date
    // make a record the reader refuses, so the URL is fetched and rewritten on every request.
    [Fact]
    public async Task Store_MaxHeaderFieldsWithoutDate_NotStoredRatherThanUnreadable()
    {
        var calls = 0;
        using var harness = new CachingHarness(origin: new LambdaHandler((_, _) =>
        {
            Interlocked.Increment(ref calls);
            var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("x") };
            r.Headers.TryAddWithoutValidation("Cache-Control", "max-age=600");
            for (var i = 0; i < RecordLimits.MaxHeaderFields - 1; i++)
            {
                r.Headers.TryAddWithoutValidation($"X-F{i}", "v");
            }

            return Task.FromResult(r);
        }));
        using (var first = await harness.GetAsync(Url))
        {
            // With the Date it is stored with, the entry would have more fields than a record holds: not stored.
            Assert.Contains("detail=record-limits", first.CacheStatus(), StringComparison.Ordinal);
        }

        using var second = await harness.GetAsync(Url);
        Assert.Contains("detail=record-limits", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }

    // R1b: same root cause: a slow failing origin records no back-off.
    [Fact]
    public async Task Backoff_SlowFailingOrigin_IsRecorded()
    {
        var calls = 0;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, origin: new LambdaHandler((_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Task.FromResult(self!.Response("v1", "max-age=60", "\"v1\""));
            }

            self!.Time.Advance(TimeSpan.FromMilliseconds(400));
            return Task.FromResult(self.Response("down", status: HttpStatusCode.ServiceUnavailable));
        }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        (await harness.GetAsync(Url)).Dispose();
        using var held = await harness.GetAsync(Url);
        Assert.Contains("detail=retry-after", held.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }

    // R2 control: without collapsing, bob is never served alice's response.
    [Theory]
    [InlineData("Cookie", "must-revalidate")]
    [InlineData("Authorization", "must-revalidate")]
    [InlineData("Cookie", null)]
    public async Task Sequential_WithOtherCredentials_GetsItsOwnResponse(string header, string? cacheControl)
    {
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler((request, _) =>
            Task.FromResult(self!.Response("page of " + string.Join(",", request.Headers.GetValues(header)), cacheControl))));
        (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, "alice"))).Dispose();
        using var b = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, "bob"));
        Assert.Equal("page of bob", await b.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
