using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static HttpCaching.Benchmarks.Setup;

namespace HttpCaching.StackExchangeRedis.Benchmarks;

/// <summary>
/// A fresh hit through the Redis store, with and without the near cache, next to raw StackExchange.Redis GETs of values
/// of the same sizes on the same server. Every hit sends a new request through an <see cref="HttpMessageInvoker"/> over
/// the named client's handler chain, as <c>IHttpMessageHandlerFactory</c> builds it, reads the whole body and disposes
/// the response. Each case gets a throwaway redis-server of its own (127.0.0.1, a free port), started in
/// <see cref="GlobalSetup"/> and stopped in <see cref="GlobalCleanup"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RedisBenchmarkConfig))]
public class RedisHitBenchmark
{
    private const string NoNearClient = "redis-no-near";
    private const string NearWithinClient = "redis-near-within";
    private const string NearAfterClient = "redis-near-after";
    private const string RawBodyKey = "raw:body";
    private const string RawEntryKey = "raw:entry";

    private readonly Dictionary<string, NoRemoteCallHandler> _origins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HttpMessageInvoker> _invokers = new(StringComparer.Ordinal);
    private readonly Uri _uri = new("https://api.bench.invalid/v1/items/42");

    private RedisServer? _server;
    private ServiceProvider? _services;
    private ConnectionMultiplexer? _raw;
    private IDatabase _database = null!;

    /// <summary>The size of the response body, in bytes.</summary>
    [Params(2048, 51200)]
    public int BodySize { get; set; }

    /// <summary>The server's <c>host:port</c>, for the commands counts of <see cref="InterleavedRunner"/>.</summary>
    internal string ServerConnectionString => _server!.ConnectionString;

    [GlobalSetup]
    public void GlobalSetup() => SetUpAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void GlobalCleanup() => CleanUpAsync().GetAwaiter().GetResult();

    /// <summary>One GET of a string as large as the body record, on a multiplexer of its own: the baseline.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> RawGetBody() => Length(await _database.StringGetAsync(RawBodyKey).ConfigureAwait(false));

    /// <summary>One GET of a small string: as large as the entry record (a few hundred bytes).</summary>
    [Benchmark]
    public async Task<int> RawGetSmall() => Length(await _database.StringGetAsync(RawEntryKey).ConfigureAwait(false));

    /// <summary>The two GETs a hit without the near cache needs at the least, one after the other: entry, then body.</summary>
    [Benchmark]
    public async Task<int> RawGetEntryAndBody() =>
        Length(await _database.StringGetAsync(RawEntryKey).ConfigureAwait(false)) + Length(await _database.StringGetAsync(RawBodyKey).ConfigureAwait(false));

    /// <summary>A hit with <c>NearCacheSizeLimit = 0</c>: both records read from Redis on every request.</summary>
    [Benchmark]
    public Task<int> HitWithoutNearCache() => SendAsync(_invokers[NoNearClient]);

    /// <summary>A hit within the near cache's window: entry and body from memory, no round trip.</summary>
    [Benchmark]
    public Task<int> HitWithNearCacheWithinWindow() => SendAsync(_invokers[NearWithinClient]);

    /// <summary>
    /// A hit with <c>NearCacheEntryDuration = 0</c>: the entry record read from Redis, the body from memory (and touched
    /// in Redis in the background).
    /// </summary>
    [Benchmark]
    public Task<int> HitWithNearCacheAfterWindow() => SendAsync(_invokers[NearAfterClient]);

    private static int Length(RedisValue value) => value.IsNull ? throw new InvalidOperationException("The raw value is gone.") : (int)value.Length();

    private static async Task<int> SendAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.bench.invalid/v1/items/42");
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return body.Length;
    }

    private async Task SetUpAsync()
    {
        var binaries = RedisBinaries.Find(out var reason) ?? throw new InvalidOperationException(reason);
        var server = _server = await RedisServer.StartNewAsync(binaries).ConfigureAwait(false);
        _raw = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString).ConfigureAwait(false);
        _database = _raw.GetDatabase();

        var body = CreateBody(BodySize);
        _origins.Clear();
        foreach (var client in new[] { NoNearClient, NearWithinClient, NearAfterClient })
        {
            _origins[client] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        }

        var services = new ServiceCollection();
        services.AddRedisHttpCache(server.Endpoint);

        // The same pipeline for every client: no logging handlers, and handlers that never expire, so that each origin
        // stub stays the one built here. Every entry stays fresh for the whole run (MinimumFreshness = 1 day).
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers().SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        services.AddHttpClient(NoNearClient)
            .AddThirdPartyCaching(o => (o.MinimumFreshness, o.NearCacheSizeLimit) = (TimeSpan.FromDays(1), 0))
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NoNearClient]);
        services.AddHttpClient(NearWithinClient)
            .AddThirdPartyCaching(o => (o.MinimumFreshness, o.NearCacheEntryDuration) = (TimeSpan.FromDays(1), TimeSpan.FromDays(1)))
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NearWithinClient]);
        services.AddHttpClient(NearAfterClient)
            .AddThirdPartyCaching(o => (o.MinimumFreshness, o.NearCacheEntryDuration) = (TimeSpan.FromDays(1), TimeSpan.Zero))
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NearAfterClient]);

        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpMessageHandlerFactory>();
        _invokers.Clear();
        foreach (var client in _origins.Keys)
        {
            _invokers[client] = new HttpMessageInvoker(factory.CreateHandler(client), disposeHandler: false);
            await ExpectAsync(client, "; stored").ConfigureAwait(false);
            await ExpectAsync(client, "; hit").ConfigureAwait(false);
        }

        // The raw cases read strings holding exactly the records the store keeps for the client without a near cache.
        var entryRecord = (byte[]?)await _database.HashGetAsync(Key(NoNearClient, ":e:"), "data").ConfigureAwait(false);
        var bodyRecord = (byte[]?)await _database.HashGetAsync(Key(NoNearClient, ":b:"), "data").ConfigureAwait(false);
        Check(bodyRecord is not null && bodyRecord.Length > BodySize && bodyRecord.Length < BodySize + 64, $"the body record holds {bodyRecord?.Length} bytes for a body of {BodySize}");
        Check(entryRecord is not null && entryRecord.Length < 1024, $"the entry record holds {entryRecord?.Length} bytes");
        await _database.StringSetAsync(RawBodyKey, bodyRecord).ConfigureAwait(false);
        await _database.StringSetAsync(RawEntryKey, entryRecord).ConfigureAwait(false);

        // Prove which records the near-cache cases read: within the window they need no key at all, after it the entry
        // only. Were they to read a deleted key, they would miss, and the origin would be called a second time.
        await _database.KeyDeleteAsync([Key(NearWithinClient, ":e:"), Key(NearWithinClient, ":b:"), Key(NearAfterClient, ":b:")]).ConfigureAwait(false);
        foreach (var client in _origins.Keys)
        {
            await ExpectAsync(client, "; hit").ConfigureAwait(false);
            Check(_origins[client].Calls == 1, $"{client}: the origin was called {_origins[client].Calls} times");
        }
    }

    /// <summary>The one key of <paramref name="client"/> of the given kind (<c>:e:</c> or <c>:b:</c>).</summary>
    private string Key(string client, string kind)
    {
        var keys = _raw!.GetServers()[0].Keys(pattern: $"*{client}{kind}*").Select(k => k.ToString()).ToList();
        Check(keys.Count == 1, $"{keys.Count} '{kind}' keys of {client} instead of one");
        return keys[0];
    }

    private async Task CleanUpAsync()
    {
        var calls = NotCalledOnce(_origins);
        await ReleaseAsync(_invokers, _services).ConfigureAwait(false);
        _services = null;

        if (_raw is not null)
        {
            await _raw.DisposeAsync().ConfigureAwait(false);
            _raw = null;
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }

        ThrowIfAny(calls);
    }

    /// <summary>Sends one request and checks the status, the body and the Cache-Status.</summary>
    private Task ExpectAsync(string client, string expectedCacheStatus) =>
        Setup.ExpectAsync(_invokers[client], _uri, client, BodySize, expectedCacheStatus);
}
