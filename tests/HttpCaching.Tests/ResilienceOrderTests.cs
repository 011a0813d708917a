using System.Collections.Concurrent;
using System.Net;
using System.Text;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace HttpCaching.Tests;

/// <summary>
/// A Polly retry and circuit breaker in a handler added after <c>AddThirdPartyCaching()</c> run only when the cache
/// goes to the origin, and the cache serves stale over what they give up on. Added before it, the breaker fails even
/// requests the cache could have answered.
/// </summary>
public sealed class ResilienceOrderTests
{
    /// <summary>No floor, and no back-off of the cache's own, so that Polly's retries and breaker are what is seen.</summary>
    private static void PureRfcWithoutBackoff(ThirdPartyCachingOptions options)
    {
        options.MinimumFreshness = TimeSpan.Zero;
        options.OriginBackoff = TimeSpan.Zero;
    }

    private const string Url = "https://api.example.test/oembed?url=a";
    private const string FreshUrl = "https://api.example.test/oembed?url=fresh";
    private const int Attempts = 3;
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CachingOutermost_Hits_NeverReachTheRetryHandler()
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

        Assert.Equal(1, chain.ResilienceCalls.Value);
        Assert.Equal(1, chain.OriginCalls(Url));
    }

    [Fact]
    public async Task CachingOutermost_RetrySucceeds_CacheStoresTheRecoveredResponse()
    {
        using var chain = new Chain(cachingOutermost: true);
        chain.Origin = _ => chain.OriginCalls(Url) < Attempts
            ? chain.Response("busy", status: HttpStatusCode.ServiceUnavailable)
            : chain.Response("{\"v\":1}", "max-age=600");

        using var response = await chain.GetAsync(Url);
        using var next = await chain.GetAsync(Url);

        Assert.Equal("{\"v\":1}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", response.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(Attempts, chain.OriginCalls(Url));
        Assert.Equal(1, chain.ResilienceCalls.Value);
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
        Assert.Equal(2, chain.ResilienceCalls.Value);
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
        var resilienceCalls = chain.ResilienceCalls.Value;
        using (var stale = await chain.GetAsync(Url))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("{\"v\":1}", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; fwd=stale; detail=origin-unreachable", stale.CacheStatus());
        }

        Assert.Equal(originCalls, chain.OriginCalls(Url));
        Assert.Equal(resilienceCalls + 1, chain.ResilienceCalls.Value);
        Assert.IsType<BrokenCircuitException>(chain.Logs.Entries.Last(e => e.EventId.Id == ClientCache.Log.ServedStaleOnErrorId).Exception);

        using (var hit = await chain.GetAsync(FreshUrl))
        {
            Assert.Equal("{\"fresh\":true}", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(resilienceCalls + 1, chain.ResilienceCalls.Value);

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

        // Every request, hits included, goes through the resilience handler.
        Assert.Equal(2, chain.ResilienceCalls.Value);

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
    /// A named client with the caching handler and a resilience handler (retry with zero delay over a circuit breaker,
    /// both on the fake clock) in the order asked for, a recording store and a scripted origin.
    /// </summary>
    private sealed class Chain : IDisposable
    {
        private const string ClientName = "resilient";
        private readonly ConcurrentDictionary<string, int> _originCalls = new(StringComparer.Ordinal);
        private readonly ServiceProvider _services;

        public Chain(bool cachingOutermost)
        {
            Store = new RecordingDistributedCache(Time);
            var shouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests);
            var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = Time }
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = Attempts - 1,
                    Delay = TimeSpan.Zero,
                    ShouldHandle = shouldHandle,
                })
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 4,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = BreakDuration,
                    StateProvider = Circuit,
                    ShouldHandle = shouldHandle,
                })
                .Build();

            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IDistributedCache>(Store);
            services.AddLogging(b => b.AddProvider(Logs));
            var client = services.AddHttpClient(ClientName);
            if (cachingOutermost)
            {
                client.AddThirdPartyCaching(PureRfcWithoutBackoff)
                    .AddHttpMessageHandler(() => new ResilienceHandler(pipeline, ResilienceCalls));
            }
            else
            {
                client.AddHttpMessageHandler(() => new ResilienceHandler(pipeline, ResilienceCalls))
                    .AddThirdPartyCaching(PureRfcWithoutBackoff);
            }

            client.ConfigurePrimaryHttpMessageHandler(() => new LambdaHandler((request, _) =>
            {
                _originCalls.AddOrUpdate(request.RequestUri!.ToString(), 1, (_, n) => n + 1);
                return Task.FromResult(Origin(request));
            }));
            _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        }

        public FakeTimeProvider Time { get; } = new();

        public RecordingDistributedCache Store { get; }

        public CircuitBreakerStateProvider Circuit { get; } = new();

        public CollectingLoggerProvider Logs { get; } = new();

        public ResilienceHandler.Counter ResilienceCalls { get; } = new();

        public Func<HttpRequestMessage, HttpResponseMessage> Origin { get; set; } = _ => new HttpResponseMessage(HttpStatusCode.NotFound);

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
    }
}
