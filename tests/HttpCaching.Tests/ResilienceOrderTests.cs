using System.Collections.Concurrent;
using System.Net;
using System.Text;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Polly.CircuitBreaker;

namespace HttpCaching.Tests;

/// <summary>
/// The standard resilience handler of Microsoft.Extensions.Http.Resilience (<c>AddStandardResilienceHandler()</c>:
/// rate limiter, total timeout, retry, circuit breaker, attempt timeout) added after <c>AddThirdPartyCaching()</c>
/// runs only when the cache goes to the origin, and the cache serves stale over what it gives up on. Added before it,
/// the breaker fails even requests the cache could have answered. The pipeline runs on the fake clock (it takes the
/// <see cref="TimeProvider"/> registered in the services), so its timeouts, back-off and break pass without real time.
/// </summary>
public sealed class ResilienceOrderTests
{
    private const string Url = "https://api.example.test/oembed?url=a";
    private const string FreshUrl = "https://api.example.test/oembed?url=fresh";

    /// <summary>The standard handler's three retries: four attempts in all.</summary>
    private const int Attempts = 4;

    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    /// <summary>No floor, and no back-off of the cache's own, so that the pipeline's retries and breaker are what is seen.</summary>
    private static void PureRfcWithoutBackoff(ThirdPartyCachingOptions options)
    {
        options.MinimumFreshness = TimeSpan.Zero;
        options.OriginBackoff = TimeSpan.Zero;
    }

    [Fact]
    public async Task CachingOutermost_Hits_NeverReachTheResiliencePipeline()
    {
        using var chain = new Chain(cachingOutermost: true);
        chain.Origin = _ => chain.Response("{\"v\":1}", "max-age=600");

        using (var miss = await chain.GetAsync(Url))
        {
            Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", miss.CacheStatus());
        }

        for (var i = 0; i < 5; i++)
        {
            using var hit = await chain.GetAsync(Url);
            Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(1, chain.PipelineRuns);
        Assert.Equal(1, chain.OriginCalls(Url));
    }

    [Fact]
    public async Task CachingOutermost_RetrySucceeds_CacheStoresTheRecoveredResponse()
    {
        using var chain = new Chain(cachingOutermost: true);
        chain.Origin = _ => chain.OriginCalls(Url) < 3
            ? chain.Response("busy", status: HttpStatusCode.ServiceUnavailable)
            : chain.Response("{\"v\":1}", "max-age=600");

        using var response = await chain.GetAsync(Url);
        using var next = await chain.GetAsync(Url);

        Assert.Equal("{\"v\":1}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", response.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(3, chain.OriginCalls(Url));
        Assert.Equal(1, chain.PipelineRuns);
    }

    [Fact]
    public async Task CachingOutermost_RetriesExhaustedOn503_StoredResponseServedStaleIfError()
    {
        using var chain = new Chain(cachingOutermost: true);
        chain.Origin = _ => chain.Response("{\"v\":1}", "max-age=60", "\"v1\"");
        using (await chain.GetAsync(Url))
        {
        }

        chain.Origin = _ => chain.Response("down", status: HttpStatusCode.ServiceUnavailable);
        chain.Time.Advance(TimeSpan.FromMinutes(3));
        using var response = await chain.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"v\":1}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=503; detail=origin-error", response.CacheStatus());
        Assert.Equal(1 + Attempts, chain.OriginCalls(Url));
        Assert.Equal(2, chain.PipelineRuns);
        Assert.Equal(CircuitState.Closed, chain.Circuit.CircuitState);
    }

    [Fact]
    public async Task CachingOutermost_CircuitOpen_StaleServedAsOriginUnreachableAndFreshEntriesStillHit()
    {
        using var chain = new Chain(cachingOutermost: true);
        chain.Origin = request => request.RequestUri!.Query.Contains("fresh", StringComparison.Ordinal)
            ? chain.Response("{\"fresh\":true}", "max-age=3600")
            : chain.Response("{\"v\":1}", "max-age=60", "\"v1\"");
        using (await chain.GetAsync(Url))
        using (await chain.GetAsync(FreshUrl))
        {
        }

        chain.Origin = _ => chain.Response("down", status: HttpStatusCode.ServiceUnavailable);
        chain.Time.Advance(TimeSpan.FromMinutes(3));
        for (var i = 0; chain.Circuit.CircuitState != CircuitState.Open; i++)
        {
            Assert.True(i < 3, "The circuit did not open.");
            using var failing = await chain.GetAsync(Url);
            Assert.Equal("{\"v\":1}", await failing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // Open: the pipeline throws BrokenCircuitException without calling the origin, and the cache serves stale.
        var originCalls = chain.OriginCalls(Url);
        var pipelineRuns = chain.PipelineRuns;
        using (var stale = await chain.GetAsync(Url))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("{\"v\":1}", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; fwd=stale; detail=origin-unreachable", stale.CacheStatus());
        }

        Assert.Equal(originCalls, chain.OriginCalls(Url));
        Assert.Equal(pipelineRuns + 1, chain.PipelineRuns);
        Assert.IsType<BrokenCircuitException>(chain.Logs.WithId(ClientCache.Log.ServedStaleOnErrorId)[^1].Exception);

        using (var hit = await chain.GetAsync(FreshUrl))
        {
            Assert.Equal("{\"fresh\":true}", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(pipelineRuns + 1, chain.PipelineRuns);

        // After the break the origin is back: the half-open probe goes through and the new response is stored.
        chain.Origin = _ => chain.Response("{\"v\":2}", "max-age=60", "\"v2\"");
        chain.Time.Advance(BreakDuration);
        using var recovered = await chain.GetAsync(Url);
        Assert.Equal("{\"v\":2}", await recovered.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=200; stored", recovered.CacheStatus());
        Assert.Equal(CircuitState.Closed, chain.Circuit.CircuitState);
    }

    [Fact]
    public async Task ResilienceOutermost_CircuitOpen_EvenAFreshStoredResponseFails()
    {
        using var chain = new Chain(cachingOutermost: false);
        chain.Origin = request => request.RequestUri!.Query.Contains("fresh", StringComparison.Ordinal)
            ? chain.Response("{\"fresh\":true}", "max-age=3600")
            : chain.Response("down", status: HttpStatusCode.ServiceUnavailable);

        using (await chain.GetAsync(FreshUrl))
        using (var hit = await chain.GetAsync(FreshUrl))
        {
            Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        }

        // Every request, hits included, goes through the resilience pipeline.
        Assert.Equal(2, chain.PipelineRuns);

        // Another URL fails: with nothing stored the cache passes the 503 through, and the breaker opens.
        for (var i = 0; chain.Circuit.CircuitState != CircuitState.Open; i++)
        {
            Assert.True(i < 3, "The circuit did not open.");
            try
            {
                using var failing = await chain.GetAsync(Url);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
            }
            catch (BrokenCircuitException)
            {
            }
        }

        // The response is fresh in the store, but the open circuit fails the request before the cache is asked.
        var storeReads = chain.Store.Count("get");
        await Assert.ThrowsAsync<BrokenCircuitException>(() => chain.GetAsync(FreshUrl));
        Assert.Equal(storeReads, chain.Store.Count("get"));
        Assert.Equal(1, chain.OriginCalls(FreshUrl));
    }

    /// <summary>
    /// The README's handler-order example, exactly as written there (section "Handler order"), with the standard
    /// handler's defaults: a hit skips the pipeline, and a retry's back-off passes on the fake clock.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task ReadmeExample_CachingThenStandardResilience_HitsSkipThePipelineAndRetriesRunOnTheFakeClock()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var clock = new TimerWatchingTimeProvider(time);
        var originCalls = 0;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));

        // README.md, "Handler order":
        services.AddHttpClient("embedly")
            .AddThirdPartyCaching()            // hits never reach the retry or the breaker
            .AddStandardResilienceHandler();   // Microsoft.Extensions.Http.Resilience: retries, timeouts, circuit breaker

        services.AddHttpClient("embedly").ConfigurePrimaryHttpMessageHandler(() => new LambdaHandler((_, _) =>
        {
            var response = Interlocked.Increment(ref originCalls) == 1
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("busy") }
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"type\":\"link\"}", Encoding.UTF8, "application/json") };
            response.Headers.Date = time.GetUtcNow();
            response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=600");
            return Task.FromResult(response);
        }));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("embedly");
        var defaults = new HttpStandardResilienceOptions();

        // The first attempt gets a 503; the retry waits out its back-off, which the test passes on the fake clock.
        var request = client.GetAsync("https://api.embedly.test/oembed?url=a", TestContext.Current.CancellationToken);
        var backoff = await RetryDelayArmedAsync(clock, request, defaults);
        Assert.False(request.IsCompleted);
        time.Advance(backoff);
        using var miss = await request;
        using var hit = await client.GetAsync("https://api.embedly.test/oembed?url=a", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", miss.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, originCalls);
        Assert.Equal(1, Chain.CountPipelineRuns(provider.GetFakeLogCollector(), "embedly-standard"));
        Assert.Equal(TestClock.Start + backoff, time.GetUtcNow());
    }

    /// <summary>
    /// Waits until the retry strategy arms its back-off timer for <paramref name="request"/> and returns its delay: the
    /// first timer armed with a due time that none of the timeouts has. The other timers armed meanwhile are timeouts (the pipeline's total and attempt timeouts, the cache's store and origin
    /// timeouts), told apart by their due times: the back-off is jittered, so it is none of them.
    /// </summary>
    private static async Task<TimeSpan> RetryDelayArmedAsync(TimerWatchingTimeProvider clock, Task request, HttpStandardResilienceOptions options)
    {
        var caching = new ThirdPartyCachingOptions();
        TimeSpan[] timeouts = [options.TotalRequestTimeout.Timeout, options.AttemptTimeout.Timeout, caching.StoreTimeout, caching.OriginTimeout];
        var seen = 0;
        while (true)
        {
            var next = clock.NextArmed;
            var armed = clock.ArmedDueTimes;
            for (; seen < armed.Count; seen++)
            {
                if (!timeouts.Contains(armed[seen]))
                {
                    return armed[seen];
                }
            }

            Assert.NotSame(request, await Task.WhenAny(request, next));
        }
    }

    /// <summary>
    /// A named client with the caching handler and the standard resilience handler in the order asked for, on the fake
    /// clock: retries without back-off, and a breaker that opens on half of at least six attempts for
    /// <see cref="BreakDuration"/>. A recording store, a scripted origin, and the logs (Polly's included, which tell
    /// how often the pipeline ran).
    /// </summary>
    private sealed class Chain : IDisposable
    {
        private const string ClientName = "resilient";
        private readonly ConcurrentDictionary<string, int> _originCalls = new(StringComparer.Ordinal);
        private readonly ServiceProvider _services;

        public Chain(bool cachingOutermost)
        {
            Store = new RecordingDistributedCache(Time);
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IDistributedCache>(Store);
            services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
            var client = services.AddHttpClient(ClientName);
            if (cachingOutermost)
            {
                client.AddThirdPartyCaching(PureRfcWithoutBackoff).AddStandardResilienceHandler(Configure);
            }
            else
            {
                client.AddStandardResilienceHandler(Configure);
                client.AddThirdPartyCaching(PureRfcWithoutBackoff);
            }

            client.ConfigurePrimaryHttpMessageHandler(() => new LambdaHandler((request, _) =>
            {
                _originCalls.AddOrUpdate(request.RequestUri!.ToString(), 1, (_, n) => n + 1);
                return Task.FromResult(Origin(request));
            }));
            _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        }

        public FakeTimeProvider Time { get; } = new(TestClock.Start);

        public RecordingDistributedCache Store { get; }

        public CircuitBreakerStateProvider Circuit { get; } = new();

        public FakeLogCollector Logs => _services.GetFakeLogCollector();

        /// <summary>How many requests entered the resilience pipeline (before any retry), as Polly logged them.</summary>
        public int PipelineRuns => CountPipelineRuns(Logs, ClientName + "-standard");

        public Func<HttpRequestMessage, HttpResponseMessage> Origin { get; set; } = _ => new HttpResponseMessage(HttpStatusCode.NotFound);

        /// <summary>The executions of the named pipeline that Polly's telemetry logged (one per request, retries within it).</summary>
        public static int CountPipelineRuns(FakeLogCollector logs, string pipelineName) =>
            logs.GetSnapshot().Count(r =>
                r.Category == "Polly"
                && r.Id.Name == "StrategyExecuting"
                && r.GetStructuredStateValue("PipelineName") == pipelineName);

        public int OriginCalls(string url) => _originCalls.GetValueOrDefault(url);

        public async Task<HttpResponseMessage> GetAsync(string url)
        {
            var client = _services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
            var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
            await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
            return response;
        }

        public HttpResponseMessage Response(string body, string? cacheControl = null, string? etag = null, HttpStatusCode status = HttpStatusCode.OK)
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            response.Headers.Date = Time.GetUtcNow();
            if (cacheControl is not null)
            {
                response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
            }

            if (etag is not null)
            {
                response.Headers.TryAddWithoutValidation("ETag", etag);
            }

            return response;
        }

        public void Dispose() => _services.Dispose();

        private void Configure(HttpStandardResilienceOptions options)
        {
            options.Retry.Delay = TimeSpan.Zero;
            options.CircuitBreaker.FailureRatio = 0.5;
            options.CircuitBreaker.MinimumThroughput = 6;
            options.CircuitBreaker.BreakDuration = BreakDuration;
            options.CircuitBreaker.StateProvider = Circuit;
        }
    }
}
