using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Tests;

/// <summary>
/// Several instances (service providers) sharing one store on one fake clock, without a backplane: sequences in which
/// an instance could serve an older version after a newer one was served.
/// </summary>
public sealed class VersionRaceTests : IDisposable
{
    private const string Url = "https://feeds.example.test/versions.rss?api_key=k";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly RecordingDistributedCache _store;
    private readonly List<CachingHarness> _apps = [];

    public VersionRaceTests() => _store = new RecordingDistributedCache(_clock);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SlowFetch_AfterAFailedStoreRead_ANewerVersionStoredMeanwhile_TheNewerOneStays()
    {
        // A's read of the store fails once (a timeout, a blip), so A goes to the origin, which answers v1, slowly.
        // Meanwhile B's caller asks for a fresh copy and B stores v2, dated two seconds after A's v1. A's v1 must not
        // be written over v2: B (no near cache) served v2, and must not serve v1 after it.
        var flaky = new FailingReadsStore(_store);
        var originA = new Origin(_clock, "v1", hold: true);
        var a = Start(originA, flaky);
        var b = Start(new Origin(_clock, "v2"));

        flaky.FailNextReads(1);
        var slow = a.GetAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);
        _clock.Advance(TimeSpan.FromSeconds(2));
        using (var fresh = await b.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await fresh.Content.ReadAsStringAsync(Ct));
        }

        originA.Release();
        using (var late = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await late.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal("v2", await b.GetStringAsync(Url));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fetch_InvalidatedWhileTheOriginAnswers_TheFullResponseDoesNotBringTheOldVersionBack(bool stored)
    {
        // The analogue for a 200 of Revalidation_InvalidatedWhileTheOriginAnswers_The304DoesNotBringTheResponseBack. A
        // GET (a miss, or a revalidation of a stale v1 by an origin that ignores validators) reaches the origin while v1
        // is current; the answer (v1) is slow to arrive. Meanwhile a POST through the same client changes the resource
        // to v2 and invalidates the URL. When v1 arrives it is written after the invalidation: the caller that POSTed
        // then reads v1 from the cache for its whole max-age, although the origin holds v2.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var version = 1;
        var hold = false;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ =>
        {
            Volatile.Write(ref version, 2);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        harness.Origin.When(HttpMethod.Get, Url).Respond(async _ =>
        {
            var current = Volatile.Read(ref version);
            var response = harness.Response($"v{current}", "max-age=600", $"\"v{current}\"");
            if (Volatile.Read(ref hold))
            {
                // Decided now (v1 is current), delivered later.
                reached.TrySetResult();
                await release.Task;
            }

            return response;
        });

        if (stored)
        {
            Assert.Equal("v1", await harness.GetStringAsync(Url));
            harness.Time.Advance(TimeSpan.FromMinutes(11));
        }

        Volatile.Write(ref hold, true);
        var slow = harness.GetAsync(Url);
        await reached.Task.WaitAsync(Limit, Ct);
        Volatile.Write(ref hold, false);
        using (var posted = await harness.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }

        release.SetResult();
        using (var late = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await late.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal("v2", await harness.GetStringAsync(Url));
    }

    [Fact]
    public async Task VariantMiss_AfterAnotherInstanceInvalidated_TheNearCachedVaryRecordIsNotWrittenBack()
    {
        // A stored v1 for English under the URL's Vary record (generation G1), which its near cache keeps for its window.
        // B then invalidates the URL (the resource changed to v2): the Vary record goes from the store, which orphans
        // every variant under G1. Within its window A serves a French caller: a variant miss, so A asks the origin
        // (v2), and finds G1 "still current" in its own memory, so it writes G1 back to the store. The English v1
        // under G1 is reachable again for every instance: C serves the pre-invalidation v1 to an English caller.
        var origin = new VaryingOrigin(_clock);
        var a = Start(origin, nearCache: true, configure: o => o.NearCacheEntryDuration = TimeSpan.FromMinutes(5));
        var b = Start(origin);
        Assert.Equal("v1 en", await GetAsync(a, "en"));

        origin.Version = 2;
        Assert.True(await b.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));
        Assert.Equal("v2 fr", await GetAsync(a, "fr"));

        var c = Start(origin);
        Assert.Equal("v2 en", await GetAsync(c, "en"));
    }

    private static async Task<string> GetAsync(CachingHarness app, string language)
    {
        using var response = await app.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Accept-Language", language));
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>An origin whose response varies by Accept-Language: "v{Version} {language}", fresh for 10 minutes.</summary>
    private sealed class VaryingOrigin(TimeProvider time) : HttpMessageHandler
    {
        private int _version = 1;

        public int Version { get => Volatile.Read(ref _version); set => Volatile.Write(ref _version, value); }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var language = request.Headers.NonValidated.TryGetValues("Accept-Language", out var values) ? values.ToString() : "none";
            var text = $"v{Version} {language}";
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
            response.Headers.Date = time.GetUtcNow();
            response.Headers.ETag = new EntityTagHeaderValue($"\"{text.Replace(' ', '-')}\"");
            response.Headers.Vary.Add("Accept-Language");
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            return Task.FromResult(response);
        }
    }

    public void Dispose()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }
    }

    private CachingHarness Start(HttpMessageHandler origin, IDistributedCache? store = null, bool nearCache = false, Action<ThirdPartyCachingOptions>? configure = null)
    {
        var app = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
                configure?.Invoke(o);
            },
            registerStore: false,
            nearCache: nearCache,
            origin: origin,
            services: s =>
            {
                s.AddSingleton(store ?? _store);
                s.AddSingleton<TimeProvider>(_clock);
            });
        _apps.Add(app);
        return app;
    }

    /// <summary>A store whose next reads throw (a timeout, a blip), then answer again.</summary>
    private sealed class FailingReadsStore(IDistributedCache inner) : IDistributedCache
    {
        private int _failures;

        public void FailNextReads(int count) => Volatile.Write(ref _failures, count);

        public byte[]? Get(string key) => Fail() ? throw new TimeoutException("blip") : inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
            Fail() ? Task.FromException<byte[]?>(new TimeoutException("blip")) : inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

        private bool Fail() => Interlocked.Decrement(ref _failures) >= 0;
    }

    /// <summary>
    /// An origin that answers every request with <paramref name="body"/> (fresh for 10 minutes, ETag of the body), dated
    /// when the request arrived, optionally holding the first until released; or a 304 when asked with its ETag.
    /// </summary>
    private sealed class Origin(TimeProvider time, string body, bool hold = false, TimeSpan dateSkew = default, bool date = true) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public string Body { get; set; } = body;

        public int Requests => Volatile.Read(ref _requests);

        public Task Reached => _reached.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var first = Interlocked.Increment(ref _requests) == 1;
            var arrived = time.GetUtcNow();
            var text = Body;
            _reached.TrySetResult();
            if (hold && first)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }

            var etag = $"\"{text}\"";
            var notModified = request.Headers.IfNoneMatch.Any(t => t.Tag == etag);
            var response = notModified
                ? new HttpResponseMessage(HttpStatusCode.NotModified)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
            if (date)
            {
                response.Headers.Date = arrived + dateSkew;
            }

            response.Headers.ETag = new EntityTagHeaderValue(etag);
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            return response;
        }
    }
}
