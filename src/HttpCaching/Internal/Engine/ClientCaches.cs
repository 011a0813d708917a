using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The one registry of <see cref="ClientCache"/>s: one per client name, created on first use and kept for the life of
/// the service provider, which disposes them with it. Handlers and <see cref="IThirdPartyCacheInvalidator"/> both find
/// a client's cache here.
/// </summary>
internal sealed class ClientCaches : IDisposable
{
    private readonly ConcurrentDictionary<string, ClientCache> _caches = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<ThirdPartyCachingOptions> _optionsMonitor;
    private readonly CacheStoreProvider _stores;
    private readonly RequestCoalescer _coalescer;
    private readonly TimeProvider _time;
    private readonly HttpCachingMetrics _metrics;
    private readonly ILogger _logger;

    /// <param name="optionsMonitor">The clients' options, by client name.</param>
    /// <param name="stores">The guarded stores.</param>
    /// <param name="coalescer">Shares origin requests between concurrent requests.</param>
    /// <param name="time">The application's clock.</param>
    /// <param name="metrics">The library's instruments.</param>
    /// <param name="logger">The logger of <see cref="HttpCachingDiagnostics.HandlerLoggerCategory"/>, for every client.</param>
    public ClientCaches(
        IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
        CacheStoreProvider stores,
        RequestCoalescer coalescer,
        TimeProvider time,
        HttpCachingMetrics metrics,
        ILogger logger)
    {
        _optionsMonitor = optionsMonitor;
        _stores = stores;
        _coalescer = coalescer;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The cache of the client named <paramref name="clientName"/> (compared ordinally, as <c>IHttpClientFactory</c> does).</summary>
    public ClientCache For(string clientName) =>
        _caches.GetOrAdd(clientName, static (name, self) => self.Create(name), this);

    public void Dispose()
    {
        foreach (var cache in _caches.Values)
        {
            cache.Dispose();
        }
    }

    private ClientCache Create(string name) => new(name, _optionsMonitor, _stores, _coalescer, _time, _metrics, _logger);
}
