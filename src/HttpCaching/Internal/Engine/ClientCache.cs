using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The cache of one named client: everything that must outlive its handlers, and all the caching, behind a thin
/// <see cref="ThirdPartyCachingHandler"/>. <c>IHttpClientFactory</c> rebuilds handlers every handler lifetime, so the
/// last valid options, the memoised store tier, the near cache and the key cache live here, in one instance per client
/// name (<see cref="ClientCaches"/>). Options are read on every request so configuration reloads take effect at once.
/// </summary>
/// <remarks>
/// Partial files by concern: the decision tree (<c>Decisions</c>), reading the store (<c>Lookup</c>), origin requests
/// and the one place a 304 is applied (<c>Origin</c>), storability and writes (<c>Storage</c>), the responses served
/// (<c>Responses</c>), invalidation (<c>Invalidation</c>) and the log messages (<c>Log</c>). The handler passes its
/// inner send with each request (<see cref="InnerSend"/>); nothing here keeps a handler.
/// </remarks>
internal sealed partial class ClientCache : IDisposable
{
    private readonly string _clientName;
    private readonly IOptionsMonitor<ThirdPartyCachingOptions> _optionsMonitor;
    private readonly CacheStoreProvider _stores;
    private readonly RequestCoalescer _coalescer;
    private readonly TimeProvider _time;
    private readonly HttpCachingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogThrottle _logThrottle;
    private readonly Lock _nearCacheGate = new();

    /// <summary>Refused removals of records older than a version this client served; they outlive a rebuilt tier.</summary>
    private readonly SupersededRecords _superseded = new();
    private readonly RecentInvalidations _invalidations = new();
    private ThirdPartyCachingOptions? _lastValidOptions;
    private TieredStore? _tier;
    private NearCache? _nearCache;
    private bool _nearCacheCreated;

    /// <param name="name">The client's name exactly as registered with <c>IHttpClientFactory</c>.</param>
    /// <param name="optionsMonitor">The clients' options, by client name.</param>
    /// <param name="stores">The guarded stores the client's options name.</param>
    /// <param name="coalescer">Shares origin requests between concurrent requests (keys carry the client's name).</param>
    /// <param name="time">The application's clock.</param>
    /// <param name="metrics">The library's instruments.</param>
    /// <param name="logger">The logger of <see cref="HttpCachingDiagnostics.HandlerLoggerCategory"/>.</param>
    public ClientCache(
        string name,
        IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
        CacheStoreProvider stores,
        RequestCoalescer coalescer,
        TimeProvider time,
        HttpCachingMetrics metrics,
        ILogger logger)
    {
        _clientName = name;
        _optionsMonitor = optionsMonitor;
        _stores = stores;
        _coalescer = coalescer;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _logThrottle = new LogThrottle(time);
        Keys = new RequestKeyCache(name);
    }

    /// <summary>The client's name exactly as registered with <c>IHttpClientFactory</c>.</summary>
    public string Name => _clientName;

    /// <summary>The store keys of the client's recently requested URIs.</summary>
    public RequestKeyCache Keys { get; }

    /// <summary>The options that last passed validation, kept so that an invalid reload never turns caching off.</summary>
    public ThirdPartyCachingOptions? LastValidOptions => Volatile.Read(ref _lastValidOptions);

    /// <summary>
    /// Handles one request of the client. <paramref name="send"/>, called with <paramref name="state"/>, sends a request
    /// down the rest of the chain of the handler that received this one; it is used for this request's own origin
    /// requests, including one that other callers share, and is not kept once they end.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        Func<HttpRequestMessage, object, CancellationToken, Task<HttpResponseMessage>> send,
        object state,
        CancellationToken cancellationToken)
    {
        var inner = new InnerSend(send, state);
        var options = CurrentOptions();
        if (options is not { Enabled: true })
        {
            return await inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // Null unless a listener samples it; when null, tracing costs the request nothing: no tag is built, and the inner
        // method returns a ValueTask, so a hit that completes at once allocates no task of its own.
        using var activity = HttpCachingTracing.StartRequest(_clientName, request);
        try
        {
            return await SendCachedAsync(request, inner, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (HttpCachingTracing.RecordFailure(activity, ex))
        {
            throw;
        }
    }

    /// <summary>Disposes the client's near cache, if it has one.</summary>
    public void Dispose()
    {
        lock (_nearCacheGate)
        {
            _nearCache?.Dispose();
        }
    }

    /// <summary>The options in force: the current ones, or the last valid ones after an invalid reload.</summary>
    private ThirdPartyCachingOptions? CurrentOptions()
    {
        try
        {
            var options = _optionsMonitor.Get(_clientName);
            Volatile.Write(ref _lastValidOptions, options);
            return options;
        }
        catch (OptionsValidationException ex)
        {
            // Configuration reloaded into an invalid state: keep the last valid options (kept here, so they survive
            // handler rotation), or pass through if there never were any.
            if (_logThrottle.ShouldLog(Log.InvalidOptionsId, string.Empty, out var suppressed))
            {
                Log.InvalidOptions(_logger, _clientName, ex.Message, suppressed);
            }

            return LastValidOptions;
        }
    }

    /// <summary>
    /// The client's store for these options: the near cache (unless the store is in process) over the guarded store.
    /// Built once and rebuilt only when the options or the store change.
    /// </summary>
    private TieredStore Tier(ThirdPartyCachingOptions options)
    {
        var shared = _stores.Get(options.StoreServiceKey);
        var tier = Volatile.Read(ref _tier);
        if (tier is not null && ReferenceEquals(tier.Options, options) && ReferenceEquals(tier.Shared, shared))
        {
            return tier;
        }

        var near = shared.InProcess ? null : NearCacheOf(options);
        if (near is not null)
        {
            // Other instances' changes drop this client's copies at once (the backplane), when the store has one.
            shared.Coordination?.Attach(near);
        }

        tier = new TieredStore(shared, near, _superseded, _clientName, options);
        Volatile.Write(ref _tier, tier);
        return tier;
    }

    /// <summary>The client's near cache, created on first use with the size limit in force then; none when it is 0.</summary>
    private NearCache? NearCacheOf(ThirdPartyCachingOptions options)
    {
        lock (_nearCacheGate)
        {
            if (!_nearCacheCreated)
            {
                _nearCache = options.NearCacheSizeLimit > 0 ? new NearCache(options.NearCacheSizeLimit, _time) : null;
                _nearCacheCreated = true;
            }

            return _nearCache;
        }
    }

    /// <summary>
    /// The one place a request's outcome is reported, once per response the caller gets: counted, and tagged on the
    /// request's activity when it is traced.
    /// </summary>
    private void Completed(string outcome, string cacheStatus)
    {
        _metrics.Request(_clientName, outcome);
        HttpCachingTracing.RecordOutcome(outcome, cacheStatus);
    }
}
