using System.Globalization;
using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The caching handler of one named client. It holds no state of its own beyond references to singletons, because
/// <c>IHttpClientFactory</c> rebuilds handlers for every handler lifetime; options are read on every request so
/// configuration reloads take effect at once.
/// </summary>
internal sealed partial class ThirdPartyCachingHandler : DelegatingHandler
{
    private readonly string _clientName;
    private readonly IOptionsMonitor<ThirdPartyCachingOptions> _optionsMonitor;
    private readonly CacheStoreProvider _stores;
    private readonly TimeProvider _time;
    private readonly HttpCachingMetrics _metrics;
    private readonly ILogger _logger;
    private ThirdPartyCachingOptions? _lastValidOptions;

    public ThirdPartyCachingHandler(
        string clientName,
        IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
        CacheStoreProvider stores,
        TimeProvider time,
        HttpCachingMetrics metrics,
        ILogger<ThirdPartyCachingHandler> logger)
    {
        _clientName = clientName;
        _optionsMonitor = optionsMonitor;
        _stores = stores;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var options = GetOptions();
        if (options is not { Enabled: true })
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (request.Method != HttpMethod.Get)
        {
            return await ForwardUncachedAsync(request, CacheStatus.FwdMethod, cancellationToken).ConfigureAwait(false);
        }

        if (request.RequestUri is not { IsAbsoluteUri: true } uri || HasUnsupportedRequestFields(request))
        {
            return await ForwardUncachedAsync(request, CacheStatus.FwdBypass, cancellationToken).ConfigureAwait(false);
        }

        var requestDirectives = RequestDirectives(request);
        if (requestDirectives.Has(CacheControlFlags.NoStore))
        {
            return await ForwardUncachedAsync(request, CacheStatus.FwdRequest, cancellationToken).ConfigureAwait(false);
        }

        var store = _stores.Get(options.StoreServiceKey);
        var requestHash = CacheKeyBuilder.HashRequest("GET", uri);
        var entryKey = CacheKeyBuilder.EntryKey(options.KeyPrefix, _clientName, requestHash);
        var (entry, bodyRecord) = await ReadAsync(store, options, entryKey, requestHash, cancellationToken).ConfigureAwait(false);

        var fwd = CacheStatus.FwdUriMiss;
        if (entry is not null)
        {
            var now = _time.GetUtcNow();
            var age = entry.CurrentAge(now);
            var reuse = Freshness.Evaluate(entry, age, options.MinimumFreshness, options.Shared, requestDirectives);
            if (reuse.Usable)
            {
                Log.Hit(_logger, _clientName, new LoggedUri(uri));
                _metrics.Request(_clientName, reuse.Stale ? HttpCachingDiagnostics.OutcomeStale : HttpCachingDiagnostics.OutcomeHit);
                _metrics.CacheBytes(_clientName, entry.BodyLength);
                return CreateStoredResponse(request, entry, bodyRecord!, age, CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor));
            }

            fwd = reuse.ForwardReason;
        }

        if (requestDirectives.Has(CacheControlFlags.OnlyIfCached))
        {
            _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeMiss);
            return OnlyIfCachedResponse(request);
        }

        Log.Forwarding(_logger, _clientName, new LoggedUri(uri), fwd);
        return await FetchAsync(request, options, store, requestHash, entryKey, entry, bodyRecord, requestDirectives, fwd, cancellationToken)
            .ConfigureAwait(false);
    }

    private ThirdPartyCachingOptions? GetOptions()
    {
        try
        {
            var options = _optionsMonitor.Get(_clientName);
            _lastValidOptions = options;
            return options;
        }
        catch (OptionsValidationException ex)
        {
            // Configuration reloaded into an invalid state: keep the last valid options, or pass through.
            Log.InvalidOptions(_logger, _clientName, ex.Message);
            return _lastValidOptions;
        }
    }

    private async Task<HttpResponseMessage> FetchAsync(
        HttpRequestMessage request,
        ThirdPartyCachingOptions options,
        IDistributedCache store,
        string requestHash,
        string entryKey,
        CacheEntry? entry,
        byte[]? bodyRecord,
        CacheControl requestDirectives,
        string fwd,
        CancellationToken cancellationToken)
    {
        // The redirect handler below rewrites the request's URI when it follows a redirect: remember the one asked for.
        var requestUri = request.RequestUri!;
        if (entry is not null && (entry.ETag is not null || entry.LastModified is not null))
        {
            var requestTime = _time.GetUtcNow();
            HttpResponseMessage conditionalResponse;
            bool redirected;
            using (var conditional = CreateConditionalRequest(request, entry))
            {
                conditionalResponse = await base.SendAsync(conditional, cancellationToken).ConfigureAwait(false);
                redirected = IsRedirected(requestUri, conditional, conditionalResponse);
            }

            var responseTime = _time.GetUtcNow();
            conditionalResponse.RequestMessage = request;
            if (conditionalResponse.StatusCode != HttpStatusCode.NotModified || redirected)
            {
                return await StoreAndReturnAsync(request, conditionalResponse, redirected, options, store, requestHash, entryKey, requestDirectives, requestTime, responseTime, fwd, cancellationToken)
                    .ConfigureAwait(false);
            }

            var refreshed = EntryFactory.Refresh(entry, conditionalResponse, requestTime, responseTime, options);
            if (refreshed is not null)
            {
                conditionalResponse.Dispose();
                await WriteRefreshedAsync(store, options, requestHash, entryKey, refreshed, cancellationToken).ConfigureAwait(false);
                Log.Revalidated(_logger, _clientName, new LoggedUri(request.RequestUri));
                _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeRevalidated);
                _metrics.CacheBytes(_clientName, refreshed.BodyLength);
                return CreateStoredResponse(request, refreshed, bodyRecord!, refreshed.CurrentAge(_time.GetUtcNow()), CacheStatus.Forward(fwd, 304));
            }

            // The 304 names a representation other than the stored one: fetch the full response instead.
            conditionalResponse.Dispose();
        }

        var sentAt = _time.GetUtcNow();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var receivedAt = _time.GetUtcNow();
        return await StoreAndReturnAsync(request, response, IsRedirected(requestUri, request, response), options, store, requestHash, entryKey, requestDirectives, sentAt, receivedAt, fwd, cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> StoreAndReturnAsync(
        HttpRequestMessage request,
        HttpResponseMessage response,
        bool redirected,
        ThirdPartyCachingOptions options,
        IDistributedCache store,
        string requestHash,
        string entryKey,
        CacheControl requestDirectives,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        string fwd,
        CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var directives = CacheControl.Parse(response.Headers);
        var reason = CachePolicy.CheckStorable(request, response, directives, requestDirectives, options.Shared);
        if (reason == NotStoredReason.None && redirected)
        {
            reason = NotStoredReason.Redirected;
        }

        if (reason == NotStoredReason.None && response.Content.Headers.ContentLength > options.MaxBodySize)
        {
            reason = NotStoredReason.TooLarge;
        }

        if (reason != NotStoredReason.None)
        {
            return NotStored(request, response, fwd, reason, response.Content.Headers.ContentLength ?? 0);
        }

        var body = await BodyReader.ReadAsync(response.Content, options.MaxBodySize, cancellationToken).ConfigureAwait(false);
        if (body.Record is null)
        {
            // Too large after all, or shorter than announced: hand back what was read, followed by the rest.
            response.Content = body.Replacement!;
            return NotStored(request, response, fwd, body.Reason, body.Length);
        }

        _metrics.OriginBytes(_clientName, body.Length);
        var entry = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, options);
        response.Content = CreateContent(body.Record, entry);

        var stored = await WriteAsync(store, options, requestHash, entryKey, entry, body.Record, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            Log.Stored(_logger, _clientName, new LoggedUri(request.RequestUri), status, body.Length);
        }

        _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeMiss);
        response.Headers.TryAddWithoutValidation(
            CacheStatus.HeaderName,
            CacheStatus.Forward(fwd, status, stored, stored ? null : CacheStatus.Detail(NotStoredReason.StoreFailed)));
        return response;
    }

    private HttpResponseMessage NotStored(HttpRequestMessage request, HttpResponseMessage response, string fwd, NotStoredReason reason, long originBytes)
    {
        Log.NotStored(_logger, _clientName, new LoggedUri(request.RequestUri), (int)response.StatusCode, CacheStatus.Detail(reason));
        _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeMiss);
        _metrics.OriginBytes(_clientName, originBytes);
        response.Headers.TryAddWithoutValidation(
            CacheStatus.HeaderName,
            CacheStatus.Forward(fwd, (int)response.StatusCode, stored: false, CacheStatus.Detail(reason)));
        return response;
    }

    private async Task<HttpResponseMessage> ForwardUncachedAsync(HttpRequestMessage request, string fwd, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeBypass);
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, CacheStatus.Forward(fwd, (int)response.StatusCode));
        return response;
    }

    private static HttpResponseMessage OnlyIfCachedResponse(HttpRequestMessage request)
    {
        var response = new HttpResponseMessage(HttpStatusCode.GatewayTimeout)
        {
            RequestMessage = request,
            Content = new ByteArrayContent([]),
        };
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, $"{CacheStatus.CacheName}; detail=only-if-cached");
        return response;
    }

    private static HttpResponseMessage CreateStoredResponse(HttpRequestMessage request, CacheEntry entry, byte[] bodyRecord, TimeSpan age, string cacheStatus)
    {
        var response = new HttpResponseMessage((HttpStatusCode)entry.StatusCode)
        {
            Version = entry.HttpVersion,
            RequestMessage = request,
            Content = CreateContent(bodyRecord, entry),
        };

        if (entry.ReasonPhrase is not null)
        {
            response.ReasonPhrase = entry.ReasonPhrase;
        }

        var headers = response.Headers;
        foreach (var header in entry.Headers)
        {
            headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        headers.TryAddWithoutValidation("Age", CacheStatus.Seconds(age).ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
        return response;
    }

    private static ByteArrayContent CreateContent(byte[] bodyRecord, CacheEntry entry)
    {
        // The record is shared by every response served from it; ByteArrayContent only ever reads it.
        var content = new ByteArrayContent(bodyRecord, RecordFormat.BodyHeaderLength, entry.BodyLength);
        var headers = content.Headers;
        foreach (var header in entry.ContentHeaders)
        {
            headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        return content;
    }

    private static HttpRequestMessage CreateConditionalRequest(HttpRequestMessage request, CacheEntry entry)
    {
        var conditional = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };

        foreach (var (name, values) in request.Headers.NonValidated)
        {
            conditional.Headers.TryAddWithoutValidation(name, values);
        }

        var conditionalOptions = (IDictionary<string, object?>)conditional.Options;
        foreach (var (key, value) in request.Options)
        {
            conditionalOptions[key] = value;
        }

        if (entry.ETag is not null)
        {
            conditional.Headers.TryAddWithoutValidation("If-None-Match", entry.ETag);
        }

        if (entry.LastModified is not null)
        {
            conditional.Headers.TryAddWithoutValidation("If-Modified-Since", entry.LastModified);
        }

        return conditional;
    }

    private static CacheControl RequestDirectives(HttpRequestMessage request)
    {
        var directives = CacheControl.Parse(request.Headers);
        if (directives.Flags == CacheControlFlags.None
            && !request.Headers.NonValidated.Contains("Cache-Control")
            && request.Headers.NonValidated.TryGetValues("Pragma", out var pragma))
        {
            // RFC 9111 §5.4: Pragma: no-cache counts only when the request has no Cache-Control.
            foreach (var value in pragma)
            {
                if (CachedHeaders.ListContains(value, "no-cache"))
                {
                    return directives with { Flags = CacheControlFlags.NoCache };
                }
            }
        }

        return directives;
    }

    /// <summary>Range and caller-supplied conditional requests are forwarded untouched for now.</summary>
    private static bool HasUnsupportedRequestFields(HttpRequestMessage request)
    {
        var headers = request.Headers.NonValidated;
        return headers.Contains("Range")
            || headers.Contains("If-None-Match")
            || headers.Contains("If-Modified-Since")
            || headers.Contains("If-Match")
            || headers.Contains("If-Unmodified-Since")
            || headers.Contains("If-Range");
    }

    /// <summary>
    /// Whether the response came from another URI than the one asked for: a redirect was followed below this handler.
    /// Such a response is not stored under the original URI.
    /// </summary>
    private static bool IsRedirected(Uri requestUri, HttpRequestMessage sent, HttpResponseMessage response) =>
        (response.RequestMessage ?? sent).RequestUri is { } finalUri && finalUri != requestUri;

    private async Task<(CacheEntry? Entry, byte[]? BodyRecord)> ReadAsync(
        IDistributedCache store,
        ThirdPartyCachingOptions options,
        string entryKey,
        string requestHash,
        CancellationToken cancellationToken)
    {
        var entryRecord = await TryGetAsync(store, entryKey, cancellationToken).ConfigureAwait(false);
        if (entryRecord is null)
        {
            return default;
        }

        var entry = CacheEntrySerializer.TryDeserialize(entryRecord);
        if (entry is null)
        {
            Log.UnreadableRecord(_logger, _clientName);
            return default;
        }

        var bodyKey = CacheKeyBuilder.BodyKey(options.KeyPrefix, _clientName, requestHash, entry.VersionId);
        var bodyRecord = await TryGetAsync(store, bodyKey, cancellationToken).ConfigureAwait(false);
        if (bodyRecord is null)
        {
            // The body was evicted before the entry that points at it: a miss.
            return default;
        }

        if (!BodyRecord.IsValid(bodyRecord, entry.BodyLength))
        {
            Log.UnreadableRecord(_logger, _clientName);
            return default;
        }

        return (entry, bodyRecord);
    }

    private async Task<byte[]?> TryGetAsync(IDistributedCache store, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StoreReadFailed(_logger, _clientName, ex);
            _metrics.StoreError(_clientName, "get");
            return null;
        }
    }

    private async Task<bool> WriteAsync(
        IDistributedCache store,
        ThirdPartyCachingOptions options,
        string requestHash,
        string entryKey,
        CacheEntry entry,
        byte[] bodyRecord,
        CancellationToken cancellationToken)
    {
        var window = EntryFactory.ExpiresAt(entry, options) - _time.GetUtcNow();
        if (window <= TimeSpan.Zero)
        {
            return false;
        }

        // The body version first, so that an entry never points at a body that was not written. A version is written
        // once and slides: every read and every 304 keeps it for another window, so it outlives the entries that
        // point at it while they are in use, and is never rewritten.
        var bodyKey = CacheKeyBuilder.BodyKey(options.KeyPrefix, _clientName, requestHash, entry.VersionId);
        return await TrySetAsync(store, bodyKey, bodyRecord, new DistributedCacheEntryOptions { SlidingExpiration = window }, cancellationToken).ConfigureAwait(false)
            && await TrySetAsync(store, entryKey, CacheEntrySerializer.Serialize(entry), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a 304: the entry is rewritten with the new metadata; the body is only kept alive, never rewritten.</summary>
    private async Task WriteRefreshedAsync(
        IDistributedCache store,
        ThirdPartyCachingOptions options,
        string requestHash,
        string entryKey,
        CacheEntry entry,
        CancellationToken cancellationToken)
    {
        var window = EntryFactory.ExpiresAt(entry, options) - _time.GetUtcNow();
        if (window <= TimeSpan.Zero)
        {
            return;
        }

        var bodyKey = CacheKeyBuilder.BodyKey(options.KeyPrefix, _clientName, requestHash, entry.VersionId);
        try
        {
            await store.RefreshAsync(bodyKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StoreWriteFailed(_logger, _clientName, ex);
            _metrics.StoreError(_clientName, "refresh");
            return;
        }

        await TrySetAsync(store, entryKey, CacheEntrySerializer.Serialize(entry), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<bool> TrySetAsync(IDistributedCache store, string key, byte[] value, DistributedCacheEntryOptions lifetime, CancellationToken cancellationToken)
    {
        try
        {
            await store.SetAsync(key, value, lifetime, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StoreWriteFailed(_logger, _clientName, ex);
            _metrics.StoreError(_clientName, "set");
            return false;
        }
    }
}
