using System.Net;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using HttpCaching.Memcached.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Memcached.Benchmarks;

/// <summary>
/// Reads through the memcached store, and a hit through the caching handler over it, next to raw <c>mg</c>s of the same
/// records on the same server (<see cref="RawMeta"/>). Each case gets a throwaway memcached of its own (127.0.0.1, a free
/// port), started in <see cref="GlobalSetup"/> and killed in <see cref="GlobalCleanup"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MemcachedBenchmarkConfig))]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet disposes them in GlobalCleanup.")]
public class MemcachedHitBenchmark
{
    private const string Client = "mc-no-near";
    private const string AbsoluteKey = "bench:absolute";
    private const string SlidingKey = "bench:sliding";

    private readonly Uri _uri = new("https://api.bench.invalid/v1/items/42");

    private MemcachedServer? _server;
    private ServiceProvider? _services;
    private MemcachedCacheStore _store = null!;
    private NoRemoteCallHandler _origin = null!;
    private HttpMessageInvoker _invoker = null!;
    private RawMeta _raw = null!;
    private byte[] _rawAbsolute = null!;
    private byte[] _rawEntry = null!;
    private byte[] _rawBody = null!;

    /// <summary>The size of the value (and of the response body), in bytes.</summary>
    [Params(2048, 51200)]
    public int BodySize { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        try
        {
            SetUpAsync().GetAwaiter().GetResult();
        }
        catch
        {
            // BenchmarkDotNet runs no GlobalCleanup after a GlobalSetup that threw: stop the server here.
            _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _server = null;
            throw;
        }
    }

    [GlobalCleanup]
    public void GlobalCleanup() => CleanUpAsync().GetAwaiter().GetResult();

    /// <summary>One raw <c>mg</c> of the record <see cref="StoreGet"/> reads: the baseline, one round trip.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> RawMg() => (await _raw.GetAsync(_rawAbsolute).ConfigureAwait(false)).Length;

    /// <summary><see cref="IDistributedCache.GetAsync"/> of a value with an absolute expiry: one <c>mg</c>.</summary>
    [Benchmark]
    public async Task<int> StoreGet() => (await _store.GetAsync(AbsoluteKey).ConfigureAwait(false))!.Length;

    /// <summary>The same for a sliding value: one <c>mg</c>, and the touch pipelined after it (no wait).</summary>
    [Benchmark]
    public async Task<int> StoreGetSliding() => (await _store.GetAsync(SlidingKey).ConfigureAwait(false))!.Length;

    /// <summary>The two raw <c>mg</c>s a hit without the near cache needs, one after the other: entry, then body.</summary>
    [Benchmark]
    public async Task<int> RawMgEntryAndBody() =>
        (await _raw.GetAsync(_rawEntry).ConfigureAwait(false)).Length + (await _raw.GetAsync(_rawBody).ConfigureAwait(false)).Length;

    /// <summary>A fresh hit through the handler with <c>NearCacheSizeLimit = 0</c>: entry and body read from memcached.</summary>
    [Benchmark]
    public async Task<int> HitWithoutNearCache()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        using var response = await _invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        return (await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false)).Length;
    }

    private async Task SetUpAsync()
    {
        var binaries = MemcachedBinaries.Find(out var reason) ?? throw new InvalidOperationException(reason);
        _server = await MemcachedServer.StartNewAsync(binaries, MemcachedServerKind.Plain, "2m", 64).ConfigureAwait(false);
        var body = Setup.CreateBody(BodySize);
        _origin = new NoRemoteCallHandler(body, maxAgeSeconds: 60);

        var services = new ServiceCollection();
        services.AddMemcachedHttpCache(_server.Endpoint);
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers().SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        services.AddHttpClient(Client)
            .AddThirdPartyCaching(o =>
            {
                o.MinimumFreshness = TimeSpan.FromDays(1);
                o.NearCacheSizeLimit = 0;
            })
            .ConfigurePrimaryHttpMessageHandler(() => _origin);
        _services = services.BuildServiceProvider();
        _store = (MemcachedCacheStore)_services.GetRequiredService<IDistributedCache>();
        _invoker = new HttpMessageInvoker(_services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(Client), disposeHandler: false);

        await _store.SetAsync(AbsoluteKey, body, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) }).ConfigureAwait(false);
        await _store.SetAsync(SlidingKey, body, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromDays(1) }).ConfigureAwait(false);
        Setup.Check(await HitAsync().ConfigureAwait(false) == "stored", "the first request was not stored");
        Setup.Check(await HitAsync().ConfigureAwait(false) == "hit", "the second request was not a hit");

        // The raw cases read exactly the records the store and the handler read, by their keys on the wire.
        _raw = new RawMeta("127.0.0.1", _server.Port);
        _rawAbsolute = RawMeta.GetCommand(KeyEncoder.Raw(string.Empty, AbsoluteKey));
        var keys = await ListKeysAsync(_server.Port).ConfigureAwait(false);
        for (var attempt = 0; attempt < 200 && keys.Count(k => k.Contains(Client, StringComparison.Ordinal)) < 2; attempt++)
        {
            // The crawler answers BUSY (no keys) while a crawl of its own runs: ask again.
            await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
            keys = await ListKeysAsync(_server.Port).ConfigureAwait(false);
        }

        var entry = keys.Single(k => k.Contains(Client + ":e:", StringComparison.Ordinal));
        var bodyKey = keys.Single(k => k.Contains(Client + ":b:", StringComparison.Ordinal));
        _rawEntry = RawMeta.GetCommand(KeyEncoder.Raw(string.Empty, entry));
        _rawBody = RawMeta.GetCommand(KeyEncoder.Raw(string.Empty, bodyKey));
        Setup.Check((await _raw.GetAsync(_rawBody).ConfigureAwait(false)).Length > BodySize, "the raw body record is too small");
        Setup.Check((await _raw.GetAsync(_rawAbsolute).ConfigureAwait(false)).Length == BodySize + ValueHeader.Length, "the raw record is not the value and its header");
    }

    private async Task CleanUpAsync()
    {
        var calls = _origin.Calls;
        _raw?.Dispose();
        _invoker?.Dispose();
        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _server = null;
        Setup.Check(calls == 1, $"the origin was reached {calls} times: an entry did not stay fresh or readable");
    }

    private async Task<string> HitAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        using var response = await _invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Setup.Check(response.StatusCode == HttpStatusCode.OK && body.Length == BodySize, $"status {(int)response.StatusCode}, {body.Length} bytes");
        var status = response.Headers.NonValidated.TryGetValues("Cache-Status", out var values) ? values.ToString() : string.Empty;
        return status.Contains("; hit", StringComparison.Ordinal) ? "hit" : status.Contains("; stored", StringComparison.Ordinal) ? "stored" : status;
    }

    /// <summary>The keys the server holds (<c>lru_crawler metadump all</c>).</summary>
    private static async Task<List<string>> ListKeysAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync("lru_crawler metadump all\r\n"u8.ToArray()).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var keys = new List<string>();
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line && line != "END")
        {
            if (!line.StartsWith("key=", StringComparison.Ordinal))
            {
                return [];
            }

            keys.Add(Uri.UnescapeDataString(line[4..line.IndexOf(' ', StringComparison.Ordinal)]));
        }

        return keys;
    }
}
