using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// A request whose store read is slow can find, once it has read, that another request for the same URL already
/// fetched and kept a newer response and finished, too early to be joined. It is served what this instance kept,
/// instead of asking the origin once more; its own directives still rule. Without this, two callers of one stale URL
/// on one instance could cost two origin requests, and a store outage more than each instance's own traffic.
/// </summary>
public sealed class LateReaderTests
{
    private const string Url = "https://api.example.test/feed.xml";

    [Fact]
    public async Task ReadFinishesAfterAnotherRequestRefetched_ServedWhatWasKeptWithoutAnotherOriginRequest()
    {
        using var app = new App();
        var harness = app.Harness;
        var (late, others) = await app.ReadLateAsync();

        using var fetched = await others;
        Assert.Equal("v2", await fetched.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        app.Hold.SetResult();
        using var response = await late;

        Assert.Equal("v2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(app.Route));
    }

    [Fact]
    public async Task ReadFinishesAfterAnotherRequestRefetched_NoCacheRequest_StillAsksTheOrigin()
    {
        using var app = new App();
        var harness = app.Harness;
        var (late, others) = await app.ReadLateAsync(r => r.Headers.CacheControl = new() { NoCache = true });

        (await others).Dispose();
        app.Hold.SetResult();
        using var response = await late;

        Assert.Equal("v3", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain("hit", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(3, harness.Origin.GetMatchCount(app.Route));
    }

    [Fact]
    public async Task ReadFinishesAfterAnotherRequestRefetched_KeptResponseNotFreshEnoughForTheRequest_AsksTheOrigin()
    {
        using var app = new App();
        var harness = app.Harness;
        var (late, others) = await app.ReadLateAsync(r => r.Headers.CacheControl = new() { MinFresh = TimeSpan.FromSeconds(20) });

        (await others).Dispose();
        app.Hold.SetResult();
        using var response = await late;

        Assert.Equal("v3", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, harness.Origin.GetMatchCount(app.Route));
    }

    [Fact]
    public async Task ReadFinishesAfterANewerVersionWasKept_NextRequestsGetTheNewerVersion()
    {
        // The slow read found the older entry record; remembering it over the newer one kept meanwhile would take this
        // instance back in time for the rest of the near cache's window.
        using var app = new App(maxAge: 600);
        var harness = app.Harness;
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(6));
        var read = app.Store.HoldNextRead(app.Hold.Task);
        var late = harness.GetAsync(Url);
        await read;
        using (var refetched = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new() { NoCache = true }))
        {
            Assert.Equal("v2", await refetched.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        app.Hold.SetResult();
        (await late).Dispose();

        using var next = await harness.GetAsync(Url);
        Assert.Equal("v2", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", next.CacheStatus());
    }

    [Fact]
    public async Task SlowReadAcrossAnInvalidation_RequestStartedAfterIt_NotServedTheInvalidatedResponse()
    {
        // A read that began before an invalidation (RFC 9111 §4.4), on an instance that had not cached the URL, must
        // not put the invalidated entry back into memory once the invalidation is done.
        var recorded = new RecordingDistributedCache(TimeProvider.System);
        var store = new HoldingStore(recorded);
        using var writer = Instance(store);
        using var reader = Instance(store);
        writer.Origin.When(HttpMethod.Get, Url).Respond(_ => writer.Response("v1", "max-age=600", "\"v1\""));
        reader.Origin.When(HttpMethod.Get, Url).Respond(_ => reader.Response("v2", "max-age=600", "\"v2\""));
        reader.Origin.When(HttpMethod.Post, Url).Respond(System.Net.HttpStatusCode.NoContent);
        Assert.Equal("v1", await writer.GetStringAsync(Url));

        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = store.HoldNextRead(hold.Task);
        var late = reader.GetAsync(Url);
        await read;
        using (var post = new HttpRequestMessage(HttpMethod.Post, Url))
        using (var posted = await reader.Client().SendAsync(post, TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, posted.StatusCode);
        }

        Assert.True(recorded.Count("remove") >= 1, "the invalidation reached the shared store");
        hold.SetResult();
        (await late).Dispose();

        using var next = await reader.GetAsync(Url);
        Assert.Equal("v2", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RequestThatReadANewerVersion_NotServedAnOlderOneASlowReadKeptMeanwhile()
    {
        // A slow read keeps v1 in memory after another instance stored v2 (no-cache); a request that read v2 must
        // validate it with the origin, not be answered with the older v1 from memory.
        var store = new HoldingStore(new RecordingDistributedCache(TimeProvider.System));
        using var writer = Instance(store);
        using var reader = Instance(store);
        var writes = 0;
        writer.Origin.When(HttpMethod.Get, Url).Respond(_ => ++writes == 1
            ? writer.Response("v1", "max-age=600", "\"v1\"")
            : writer.Response("v2", "no-cache, max-age=600", "\"v2\""));
        var readerRoute = reader.Origin.When(HttpMethod.Get, Url).Respond(_ => reader.Response("v3", "max-age=600", "\"v3\""));
        Assert.Equal("v1", await writer.GetStringAsync(Url));

        var hold1 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var read1 = store.HoldNextRead(hold1.Task);
        var slow = reader.GetAsync(Url);
        await read1;
        (await writer.GetAsync(Url, configure: r => r.Headers.CacheControl = new() { NoCache = true })).Dispose();
        var hold2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var read2 = store.HoldNextRead(hold2.Task);
        var newer = reader.GetAsync(Url);
        await read2;
        hold1.SetResult();
        using (var first = await slow)
        {
            Assert.Equal("v1", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        hold2.SetResult();
        using var response = await newer;

        Assert.Equal("v3", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, reader.Origin.GetMatchCount(readerRoute));
    }

    private static CachingHarness Instance(IDistributedCache store) =>
        new(
            o =>
            {
                o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
                o.MinimumFreshness = TimeSpan.Zero;
            },
            registerStore: false,
            nearCache: true,
            services: s => s.AddSingleton(store));

    /// <summary>
    /// One instance over a shared store with a near cache (a 5 s window, no freshness floor). Each origin request makes
    /// a new version, <c>max-age=10</c> unless told otherwise.
    /// </summary>
    private sealed class App : IDisposable
    {
        private int _version = 1;

        public App(int maxAge = 10)
        {
            Store = new HoldingStore(new RecordingDistributedCache(TimeProvider.System));
            Harness = new CachingHarness(
                o =>
                {
                    o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
                    o.MinimumFreshness = TimeSpan.Zero;
                },
                registerStore: false,
                nearCache: true,
                services: s => s.AddSingleton<IDistributedCache>(Store));
            Route = Harness.Origin.When(Url).Respond(_ =>
            {
                var version = _version++;
                return Harness.Response($"v{version}", $"max-age={maxAge}", $"\"v{version}\"");
            });
        }

        public CachingHarness Harness { get; }

        public HoldingStore Store { get; }

        public MockedRequest Route { get; }

        public TaskCompletionSource Hold { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Stores v1 and lets it go stale, past the near cache's window. Then starts a request whose first store read returns what the store holds but only once <see cref="Hold"/> is
        /// released; then another request for the URL, which runs to the end meanwhile.
        /// </summary>
        public async Task<(Task<HttpResponseMessage> Late, Task<HttpResponseMessage> Others)> ReadLateAsync(Action<HttpRequestMessage>? configure = null)
        {
            (await Harness.GetAsync(Url)).Dispose();
            Harness.Time.Advance(TimeSpan.FromSeconds(11));

            var read = Store.HoldNextRead(Hold.Task);
            var late = Harness.GetAsync(Url, configure: configure);
            await read;
            return (late, Harness.GetAsync(Url));
        }

        public void Dispose() => Harness.Dispose();
    }

    /// <summary>A store whose next read takes its value at once but hands it over only when a task completes.</summary>
    private sealed class HoldingStore(IDistributedCache inner) : IDistributedCache
    {
        private Held? _next;

        /// <summary>Holds the next read until <paramref name="hold"/> completes; the task returned completes once it has read.</summary>
        public Task HoldNextRead(Task hold)
        {
            var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _next, new Held(hold, reading));
            return reading.Task;
        }

        public byte[]? Get(string key) => inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var value = await inner.GetAsync(key, token);
            if (Interlocked.Exchange(ref _next, null) is { } next)
            {
                next.Reading.SetResult();
                await next.Hold.WaitAsync(token);
            }

            return value;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

        private sealed record Held(Task Hold, TaskCompletionSource Reading);
    }
}
