using BenchmarkDotNet.Attributes;
using HttpCaching.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Benchmarks;

/// <summary>
/// The steps of a cache hit, one at a time, on a real stored entry (2 KB body): what <see cref="CachingHandlerBenchmark.Hit"/>
/// spends beyond <see cref="CachingHandlerBenchmark.IdealCache"/>. Steps that are private to the handler are
/// reproduced as the handler does them.
/// </summary>
[MemoryDiagnoser]
public class HitPathBreakdownBenchmark
{
    private const string ClientName = "hit";
    private const string KeyPrefix = "httpcaching:";

    private readonly Uri _uri = new("https://api.bench.invalid/v1/items/42");
    private ServiceProvider? _services;
    private IDistributedCache _store = null!;
    private string _requestHash = null!;
    private string _entryKey = null!;
    private string _bodyKey = null!;
    private byte[] _entryRecord = null!;
    private byte[] _bodyRecord = null!;
    private readonly TimeSpan _ttl = TimeSpan.FromSeconds(86_399);
    private CacheEntry _entry = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers());
        services.AddHttpClient(ClientName)
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.FromDays(1))
            .ConfigurePrimaryHttpMessageHandler(() => new NoRemoteCallHandler(new byte[2048], maxAgeSeconds: 60));
        _services = services.BuildServiceProvider();

        using (var invoker = new HttpMessageInvoker(_services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(ClientName)))
        using (var request = new HttpRequestMessage(HttpMethod.Get, _uri))
        {
            // SendAsync: the caching handler overrides only SendAsync, so the synchronous Send would bypass it.
            invoker.SendAsync(request, CancellationToken.None).GetAwaiter().GetResult().Dispose();
        }

        _store = _services.GetRequiredService<CacheStoreProvider>().Get(null).Store;
        _requestHash = CacheKeyBuilder.HashRequest("GET", _uri);
        _entryKey = CacheKeyBuilder.EntryKey(KeyPrefix, ClientName, _requestHash);
        _entryRecord = _store.Get(_entryKey) ?? throw new InvalidOperationException("The entry was not stored.");
        _entry = CacheEntrySerializer.TryDeserialize(_entryRecord) ?? throw new InvalidOperationException("The entry does not read back.");
        _bodyKey = CacheKeyBuilder.BodyKey(KeyPrefix, ClientName, _requestHash, _entry.VersionId);
        _bodyRecord = _store.Get(_bodyKey) ?? throw new InvalidOperationException("The body was not stored.");
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _services?.Dispose();

    /// <summary>The URI normalised into a new string (part of <see cref="HashRequest"/>).</summary>
    [Benchmark]
    public string NormalizeUri() => CacheKeyBuilder.NormalizeUri(_uri);

    /// <summary>Normalise, SHA-256 and base64url: once per request.</summary>
    [Benchmark]
    public string HashRequest() => CacheKeyBuilder.HashRequest("GET", _uri);

    /// <summary>The entry key and the body key strings.</summary>
    [Benchmark]
    public int BuildKeys() =>
        CacheKeyBuilder.EntryKey(KeyPrefix, ClientName, _requestHash).Length
        + CacheKeyBuilder.BodyKey(KeyPrefix, ClientName, _requestHash, _entry.VersionId).Length;

    /// <summary>The two store reads, through IDistributedCache.GetAsync as the handler does them.</summary>
    [Benchmark]
    public async Task<int> StoreReads()
    {
        var entry = await _store.GetAsync(_entryKey).ConfigureAwait(false);
        var body = await _store.GetAsync(_bodyKey).ConfigureAwait(false);
        return entry!.Length + body!.Length;
    }

    /// <summary>The entry record parsed into a <see cref="CacheEntry"/>.</summary>
    [Benchmark]
    public object? DeserializeEntry() => CacheEntrySerializer.TryDeserialize(_entryRecord);

    /// <summary>The Cache-Status value of a hit.</summary>
    [Benchmark]
    public string CacheStatusValue() => CacheStatus.Hit(_ttl, byFloor: false);

    /// <summary>The response as the handler builds it from a decoded entry: message, content over the body record, headers.</summary>
    [Benchmark]
    public HttpResponseMessage BuildResponse()
    {
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)_entry.StatusCode)
        {
            Version = _entry.HttpVersion,
            Content = new ByteArrayContent(_bodyRecord, RecordFormat.BodyHeaderLength, _entry.BodyLength),
        };

        foreach (var header in _entry.Headers)
        {
            response.Headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        foreach (var header in _entry.ContentHeaders)
        {
            response.Content.Headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        response.Headers.TryAddWithoutValidation("Age", "0");
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, "HttpCaching; hit; ttl=86399");
        response.Dispose();
        return response;
    }
}
