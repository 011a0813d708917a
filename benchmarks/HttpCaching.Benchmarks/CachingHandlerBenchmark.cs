using System.Globalization;
using System.Net;
using BenchmarkDotNet.Attributes;
using HttpCaching.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Benchmarks;

/// <summary>
/// What a GET costs through the caching handler, against no cache and against an ideal in-process cache. Every case
/// sends a new request through an <see cref="HttpMessageInvoker"/> over the named client's handler chain, as
/// <c>IHttpMessageHandlerFactory</c> builds it, reads the whole body and disposes the response.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class CachingHandlerBenchmark
{
    private const string Origin = "https://api.bench.invalid";

    private const string NoCacheClient = "no-cache";
    private const string IdealClient = "ideal-cache";
    private const string HitClient = "hit";
    private const string MissClient = "miss-and-store";
    private const string RevalidateClient = "revalidate-304";

    private readonly Dictionary<string, IdealCacheEntry> _idealEntries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NoRemoteCallHandler> _origins = new(StringComparer.Ordinal);
    private readonly Uri _uri = new($"{Origin}/v1/items/42");

    private ServiceProvider? _services;
    private HttpMessageInvoker _noCache = null!;
    private HttpMessageInvoker _idealCache = null!;
    private HttpMessageInvoker _hit = null!;
    private HttpMessageInvoker _missAndStore = null!;
    private HttpMessageInvoker _revalidate = null!;
    private long _missCounter;

    /// <summary>The size of the response body, in bytes.</summary>
    [Params(2048, 51200)]
    public int BodySize { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => SetUpAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        // The hit case is meaningful only if its entry stayed fresh for the whole run.
        var hitOrigin = _origins[HitClient].Calls;
        foreach (var invoker in new[] { _noCache, _idealCache, _hit, _missAndStore, _revalidate })
        {
            invoker?.Dispose();
        }

        _services?.Dispose();
        _services = null;
        if (hitOrigin != 1)
        {
            throw new InvalidOperationException($"The hit case reached the origin {hitOrigin} times instead of once: the entry did not stay fresh.");
        }
    }

    /// <summary>The origin stub alone: what a GET costs with no cache.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> NoCache() => SendAsync(_noCache, _uri);

    /// <summary>The floor for an in-process hit: a dictionary lookup and a new response from prebuilt parts.</summary>
    [Benchmark]
    public Task<int> IdealCache() => SendAsync(_idealCache, _uri);

    /// <summary>A fresh hit of HttpCaching on its default in-memory store.</summary>
    [Benchmark]
    public Task<int> Hit() => SendAsync(_hit, _uri);

    /// <summary>A miss on a URL never seen before: the origin's response is read, stored (body and entry) and returned.</summary>
    [Benchmark]
    public Task<int> MissAndStore() =>
        SendAsync(_missAndStore, new Uri(string.Create(CultureInfo.InvariantCulture, $"{Origin}/v1/items?n={++_missCounter}")));

    /// <summary>A stale entry: a conditional request answered 304, an entry rewrite, and the stored body served.</summary>
    [Benchmark]
    public Task<int> Revalidate304() => SendAsync(_revalidate, _uri);

    private static async Task<int> SendAsync(HttpMessageInvoker invoker, Uri uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return body.Length;
    }

    private async Task SetUpAsync()
    {
        var body = CreateBody(BodySize);
        _origins.Clear();
        _origins[NoCacheClient] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        _origins[IdealClient] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        _origins[HitClient] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        _origins[MissClient] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        _origins[RevalidateClient] = new NoRemoteCallHandler(body, maxAgeSeconds: 0);
        _idealEntries.Clear();

        var services = new ServiceCollection();

        // The same pipeline for every client: no logging handlers (they would add the same cost to every case and
        // hide the differences), and handlers that never expire, so that each origin stub stays the one built here.
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers().SetHandlerLifetime(Timeout.InfiniteTimeSpan));

        services.AddHttpClient(NoCacheClient)
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NoCacheClient]);
        services.AddHttpClient(IdealClient)
            .AddHttpMessageHandler(() => new IdealCacheHandler(_idealEntries))
            .ConfigurePrimaryHttpMessageHandler(() => _origins[IdealClient]);

        // Fresh for the whole run, whatever the origin's max-age says.
        services.AddHttpClient(HitClient)
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.FromDays(1))
            .ConfigurePrimaryHttpMessageHandler(() => _origins[HitClient]);

        // Default options; every request is for a new URL, so every request misses and stores.
        services.AddHttpClient(MissClient)
            .AddThirdPartyCaching()
            .ConfigurePrimaryHttpMessageHandler(() => _origins[MissClient]);

        // No floor and max-age=0: the entry is stale on every request and revalidated with If-None-Match.
        services.AddHttpClient(RevalidateClient)
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.Zero)
            .ConfigurePrimaryHttpMessageHandler(() => _origins[RevalidateClient]);

        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpMessageHandlerFactory>();
        HttpMessageInvoker Invoker(string name) => new(factory.CreateHandler(name), disposeHandler: false);

        _noCache = Invoker(NoCacheClient);
        _hit = Invoker(HitClient);
        _missAndStore = Invoker(MissClient);
        _revalidate = Invoker(RevalidateClient);

        // Warm the hit case and check that it is a hit that never reaches the origin.
        await ExpectAsync(_hit, HitClient, "; stored").ConfigureAwait(false);
        var hitHeaders = await ExpectAsync(_hit, HitClient, "; hit").ConfigureAwait(false);
        Check(_origins[HitClient].Calls == 1, "the hit case reached the origin after the entry was stored");

        // The ideal cache holds the same body and serves the same header fields as a hit.
        _idealEntries[_uri.AbsoluteUri] = hitHeaders;
        _idealCache = Invoker(IdealClient);
        await ExpectAsync(_idealCache, IdealClient, "; hit").ConfigureAwait(false);
        Check(_origins[IdealClient].Calls == 0, "the ideal cache reached the origin");

        // Warm the revalidation case and check that it revalidates with a 304.
        await ExpectAsync(_revalidate, RevalidateClient, "; stored").ConfigureAwait(false);
        await ExpectAsync(_revalidate, RevalidateClient, "fwd-status=304").ConfigureAwait(false);
        Check(_origins[RevalidateClient].NotModifiedCalls == 1, "the revalidation case did not get a 304");

        await ExpectAsync(_missAndStore, MissClient, "; stored", new Uri($"{Origin}/v1/items?n=warm-up")).ConfigureAwait(false);

        await ExpectAsync(_noCache, NoCacheClient, expectedCacheStatus: null).ConfigureAwait(false);
    }

    /// <summary>Sends one request and checks the body and the Cache-Status; returns what the response carried.</summary>
    private async Task<IdealCacheEntry> ExpectAsync(HttpMessageInvoker invoker, string client, string? expectedCacheStatus, Uri? uri = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri ?? _uri);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Check(response.StatusCode == HttpStatusCode.OK, $"{client}: status {(int)response.StatusCode}");
        Check(body.Length == BodySize, $"{client}: a body of {body.Length} bytes instead of {BodySize}");

        var cacheStatus = response.Headers.NonValidated.TryGetValues(CacheStatus.HeaderName, out var values) ? values.ToString() : null;
        Check(
            expectedCacheStatus is null ? cacheStatus is null : cacheStatus?.Contains(expectedCacheStatus, StringComparison.Ordinal) == true,
            $"{client}: Cache-Status '{cacheStatus}', expected '{expectedCacheStatus}'");

        return new IdealCacheEntry(
            response.StatusCode,
            body,
            [.. response.Headers.NonValidated.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))],
            [.. response.Content.Headers.NonValidated
                .Where(h => !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))]);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark setup is wrong: {message}.");
        }
    }

    /// <summary>A JSON-looking body of exactly <paramref name="size"/> bytes.</summary>
    private static byte[] CreateBody(int size)
    {
        var body = new byte[size];
        var pattern = "{\"id\":42,\"name\":\"item\",\"tags\":[\"a\",\"b\"]},"u8;
        for (var i = 0; i < size; i++)
        {
            body[i] = pattern[i % pattern.Length];
        }

        return body;
    }
}
