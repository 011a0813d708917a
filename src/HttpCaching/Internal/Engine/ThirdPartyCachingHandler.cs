using System.Globalization;
using System.Net;
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
    private readonly ClientCacheState _state;
    private readonly string _clientName;
    private readonly IOptionsMonitor<ThirdPartyCachingOptions> _optionsMonitor;
    private readonly CacheStoreProvider _stores;
    private readonly RequestCoalescer _coalescer;
    private readonly RequestKeyCache _keys;
    private readonly NearCaches _nearCaches;
    private readonly TimeProvider _time;
    private readonly HttpCachingMetrics _metrics;
    private readonly ILogger _logger;

    public ThirdPartyCachingHandler(
        ClientCacheState state,
        IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
        CacheStoreProvider stores,
        RequestCoalescer coalescer,
        NearCaches nearCaches,
        TimeProvider time,
        HttpCachingMetrics metrics,
        ILogger<ThirdPartyCachingHandler> logger)
    {
        _state = state;
        _clientName = state.Name;
        _optionsMonitor = optionsMonitor;
        _stores = stores;
        _coalescer = coalescer;
        _keys = state.Keys;
        _nearCaches = nearCaches;
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

        // Null unless a listener samples it; when null, tracing costs the request nothing: no tag is built, and the inner
        // method returns a ValueTask, so a hit that completes at once allocates no task of its own.
        using var activity = HttpCachingTracing.StartRequest(_clientName, request);
        try
        {
            return await SendCachedAsync(request, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (HttpCachingTracing.RecordFailure(activity, ex))
        {
            throw;
        }
    }

    private async ValueTask<HttpResponseMessage> SendCachedAsync(HttpRequestMessage request, ThirdPartyCachingOptions options, CancellationToken cancellationToken)
    {
        var head = request.Method == HttpMethod.Head;
        if (request.Method != HttpMethod.Get && !head)
        {
            var forwarded = await ForwardUncachedAsync(request, CacheStatus.FwdMethod, cancellationToken).ConfigureAwait(false);
            if (!IsSafe(request.Method) && (int)forwarded.StatusCode is >= 200 and < 400 && request.RequestUri is { IsAbsoluteUri: true } target)
            {
                // The origin carried out the request: the invalidation must happen whatever the caller does now, and the
                // caller gets the origin's response (each store call is still bounded by the store timeout).
                await InvalidateAsync(options, target, forwarded, CancellationToken.None).ConfigureAwait(false);
            }

            return forwarded;
        }

        // A GET with content (search APIs send one) is forwarded untouched: the key does not cover the content.
        if (request.RequestUri is not { IsAbsoluteUri: true } uri || request.Content is not null || HasUnsupportedRequestFields(request))
        {
            return await ForwardUncachedAsync(request, CacheStatus.FwdBypass, cancellationToken).ConfigureAwait(false);
        }

        var requestDirectives = RequestDirectives(request);
        if (requestDirectives.Has(CacheControlFlags.NoStore))
        {
            return await ForwardUncachedAsync(request, CacheStatus.FwdRequest, cancellationToken).ConfigureAwait(false);
        }

        var store = Tier(options);
        var keys = _keys.Get(uri, options.KeyPrefix);
        var requestHash = keys.RequestHash;
        var entryKey = keys.EntryKey;
        // One store timeout in all for this request's reads and writes.
        // An in-process store answers at once and is never bounded, so a hit through it allocates no budget.
        var budget = store.Shared.InProcess ? StoreBudget.Unbounded : new StoreBudget(_time, options.StoreTimeout);
        var (entry, bodyRecord, storedKey, readVary) = await ReadAsync(store, keys, request, budget, cancellationToken).ConfigureAwait(false);

        var fwd = CacheStatus.FwdUriMiss;
        var backoffSeen = false;
        Fetch NewFetch() => new(this, options, store, uri, requestHash, entryKey, storedKey, requestDirectives, HasAuthorization(request), HasCredentials(request), entry, bodyRecord, fwd)
        {
            Budget = budget,
            BackoffSeen = backoffSeen,
            ReadVary = readVary,
        };
        if (entry is not null)
        {
            var now = _time.GetUtcNow();
            var age = entry.CurrentAge(now);
            var reuse = Freshness.Evaluate(entry, age, options, requestDirectives);
            if (reuse.Usable)
            {
                Log.Hit(_logger, _clientName, new LoggedUri(uri));
                var form = Conditionals.NotModified(request, entry) ? ServedForm.NotModified : head ? ServedForm.Head : ServedForm.Full;
                return Serve(request, entry, bodyRecord!, age, CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor), reuse.Stale ? HttpCachingDiagnostics.OutcomeStale : HttpCachingDiagnostics.OutcomeHit, form);
            }

            fwd = reuse.ForwardReason;
            var staleness = -reuse.TimeToLive;
            if (fwd == CacheStatus.FwdStale && Freshness.WithinStaleWhileRevalidate(entry, staleness, options))
            {
                StartBackgroundRevalidation(NewFetch(), request);
                return Serve(request, entry, bodyRecord!, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailStaleWhileRevalidate), HttpCachingDiagnostics.OutcomeStale, head ? ServedForm.Head : ServedForm.Full);
            }

            if (fwd == CacheStatus.FwdStale && Freshness.WithinStaleIfError(entry, staleness, options))
            {
                var backoff = await ReadBackoffAsync(store, keys, budget, cancellationToken).ConfigureAwait(false);
                backoffSeen = backoff is not null;
                var until = backoff > entry.RetryAfter ? backoff.Value : entry.RetryAfter;
                if (until > now)
                {
                    // The origin asked not to be called before then, or failed a moment ago: serve what is stored.
                    if (_state.LogThrottle.ShouldLog(Log.HoldingOffId, requestHash, out var suppressed))
                    {
                        Log.HoldingOff(_logger, _clientName, new LoggedUri(uri), until - now, suppressed);
                    }

                    return Serve(request, entry, bodyRecord!, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailRetryAfter), HttpCachingDiagnostics.OutcomeStale, head ? ServedForm.Head : ServedForm.Full);
                }
            }
        }

        if (requestDirectives.Has(CacheControlFlags.OnlyIfCached))
        {
            Completed(HttpCachingDiagnostics.OutcomeMiss, CacheStatus.OnlyIfCached);
            return OnlyIfCachedResponse(request);
        }

        if (head || Conditionals.IsConditional(request))
        {
            // HEAD and the caller's own conditional requests go to the origin as they are, on their own.
            return await ForwardDirectAsync(request, NewFetch(), head, cancellationToken).ConfigureAwait(false);
        }

        Log.Forwarding(_logger, _clientName, new LoggedUri(uri), fwd);
        var shared = NewFetch();
        FetchResult result;
        bool leader;
        HttpResponseMessage? original;
        try
        {
            (result, leader, original) = await _coalescer.RunAsync(storedKey, shared.Prepare(request), options.OriginTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The origin could not be reached, the shared request was given up, or this caller stopped waiting for it
            // (its own timeout): serve what is stored if RFC 5861 allows it.
            if (TryServeStaleOnError(request, options, entry, bodyRecord, fwdStatus: null, CacheStatus.DetailOriginUnreachable, collapsed: false) is { } stale)
            {
                // A new kind of failure is news: the throttle keeps kinds apart.
                if (_state.LogThrottle.ShouldLog(Log.ServedStaleOnErrorId, string.Concat(requestHash, "\n", ex.GetType().FullName), out var suppressed))
                {
                    Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(uri), suppressed, ex);
                }

                return stale;
            }

            throw;
        }

        return await DeliverAsync(request, shared, result, leader, original, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Turns the shared result into this caller's own response: the original for the caller that made the request, a
    /// response built from the snapshot for the others, or a stored response when the origin failed.
    /// </summary>
    private async Task<HttpResponseMessage> DeliverAsync(
        HttpRequestMessage request,
        Fetch fetch,
        FetchResult result,
        bool leader,
        HttpResponseMessage? original,
        CancellationToken cancellationToken)
    {
        if (result.Failed
            && TryServeStaleOnError(request, fetch.Options, fetch.StaleEntry, fetch.StaleBody, result.FailedStatus, result.FailureDetail!, collapsed: !leader) is { } stale)
        {
            original?.Dispose();
            if (_state.LogThrottle.ShouldLog(Log.ServedStaleOnErrorId, fetch.RequestHash, out var suppressed))
            {
                Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(fetch.Uri), suppressed, null);
            }

            return stale;
        }

        if (original is not null)
        {
            original.RequestMessage = request;
            original.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, result.CacheStatus);
            Completed(result.Outcome, result.CacheStatus);
            return original;
        }

        if (result.Entry is { } entry && (leader || MayServeFollower(request, fetch.Options, result, entry)))
        {
            var cacheStatus = leader ? result.CacheStatus : CacheStatus.Collapsed(result.CacheStatus);
            return Serve(request, entry, result.BodyRecord!, entry.CurrentAge(_time.GetUtcNow()), cacheStatus, result.Outcome);
        }

        // The response could not be shared (streamed, not storable, an origin error, another variant, or one this caller
        // could not have been served from the store): this caller asks for its own, and falls back to the stored
        // response as any other request would.
        FetchResult own;
        try
        {
            own = await fetch.Prepare(request)(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && TryServeStaleOnError(request, fetch.Options, fetch.StaleEntry, fetch.StaleBody, fwdStatus: null, CacheStatus.DetailOriginUnreachable, collapsed: false) is { } fallback)
        {
            if (_state.LogThrottle.ShouldLog(Log.ServedStaleOnErrorId, string.Concat(fetch.RequestHash, "\n", ex.GetType().FullName), out var suppressed))
            {
                Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(fetch.Uri), suppressed, ex);
            }

            return fallback;
        }

        own.TryClaimOriginal(out var ownResponse);
        return await DeliverAsync(request, fetch, own, leader: true, ownResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a caller that waited on another's origin request may be served its response: only one this cache
    /// stored (or could have), for the variant this caller selects, and that the store could have served this caller
    /// as it is: fresh for its request's directives, not one to validate before every use (<c>no-cache</c>, or no
    /// freshness of its own as a response to a request with credentials may have).
    /// </summary>
    private bool MayServeFollower(HttpRequestMessage request, ThirdPartyCachingOptions options, FetchResult result, CacheEntry entry)
    {
        if (!result.Shareable || (result.VaryNames is not null && Variants.Id(result.VaryNames, request) != result.VariantId))
        {
            return false;
        }

        var reuse = Freshness.Evaluate(entry, entry.CurrentAge(_time.GetUtcNow()), options, RequestDirectives(request));
        return reuse.Usable && !reuse.Stale;
    }

    private HttpResponseMessage? TryServeStaleOnError(
        HttpRequestMessage request,
        ThirdPartyCachingOptions options,
        CacheEntry? entry,
        byte[]? bodyRecord,
        int? fwdStatus,
        string detail,
        bool collapsed)
    {
        if (entry is null || bodyRecord is null)
        {
            return null;
        }

        var age = entry.CurrentAge(_time.GetUtcNow());
        var staleness = age - Freshness.EffectiveLifetime(entry, options);
        if (!Freshness.WithinStaleIfError(entry, staleness, options))
        {
            return null;
        }

        var status = CacheStatus.Forward(CacheStatus.FwdStale, fwdStatus, stored: false, detail);
        return Serve(request, entry, bodyRecord, age, collapsed ? CacheStatus.Collapsed(status) : status, HttpCachingDiagnostics.OutcomeStale);
    }

    private void StartBackgroundRevalidation(Fetch fetch, HttpRequestMessage request)
    {
        // A failed background request leaves the entry exactly as it was: no back-off is recorded.
        fetch.Background = true;
        fetch.Budget = StoreBudget.Unbounded;
        // The caller may dispose its request as soon as it has the stale response: prepare the copy now.
        var run = fetch.Prepare(request);
        var traced = HttpCachingTracing.LeaveRequest();
        Task<FetchResult?> background;
        try
        {
            background = _coalescer.RunInBackground(fetch.EntryKey, run, fetch.Options.OriginTimeout);
        }
        finally
        {
            HttpCachingTracing.ReturnTo(traced);
        }

        _ = background.ContinueWith(
            static (task, state) =>
            {
                var (handler, uri, hash) = ((ThirdPartyCachingHandler, Uri, string))state!;
                if (task.Exception is { } exception)
                {
                    if (handler._state.LogThrottle.ShouldLog(Log.BackgroundRevalidationFailedId, hash, out var suppressed))
                    {
                        Log.BackgroundRevalidationFailed(handler._logger, handler._clientName, new LoggedUri(uri), suppressed, exception.InnerException ?? exception);
                    }
                }
                else if (task.Result is { Failed: true } result
                    && handler._state.LogThrottle.ShouldLog(Log.BackgroundRevalidationRefusedId, hash, out var suppressed))
                {
                    Log.BackgroundRevalidationRefused(handler._logger, handler._clientName, new LoggedUri(uri), result.FailedStatus!.Value, result.FailureDetail!, suppressed);
                }
            },
            (this, fetch.Uri, fetch.RequestHash),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private TieredStore Tier(ThirdPartyCachingOptions options) => _state.Tier(options, _stores, _nearCaches);

    private ThirdPartyCachingOptions? GetOptions()
    {
        try
        {
            var options = _optionsMonitor.Get(_clientName);
            _state.LastValidOptions = options;
            return options;
        }
        catch (OptionsValidationException ex)
        {
            // Configuration reloaded into an invalid state: keep the last valid options (kept in the client's
            // singleton state, so they survive handler rotation), or pass through if there never were any.
            if (_state.LogThrottle.ShouldLog(Log.InvalidOptionsId, string.Empty, out var suppressed))
            {
                Log.InvalidOptions(_logger, _clientName, ex.Message, suppressed);
            }

            return _state.LastValidOptions;
        }
    }

    private async Task<HttpResponseMessage> ForwardUncachedAsync(HttpRequestMessage request, string fwd, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var cacheStatus = CacheStatus.Forward(fwd, (int)response.StatusCode);
        Completed(HttpCachingDiagnostics.OutcomeBypass, cacheStatus);
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
        return response;
    }

    private static HttpResponseMessage OnlyIfCachedResponse(HttpRequestMessage request)
    {
        var response = new HttpResponseMessage(HttpStatusCode.GatewayTimeout)
        {
            RequestMessage = request,
            Content = new ByteArrayContent([]),
        };
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, CacheStatus.OnlyIfCached);
        return response;
    }

    /// <summary>A response of the caller's own, built from a stored (or shared) entry and body.</summary>
    private HttpResponseMessage Serve(HttpRequestMessage request, CacheEntry entry, byte[] bodyRecord, TimeSpan age, string cacheStatus, string outcome, ServedForm form = ServedForm.Full)
    {
        Completed(outcome, cacheStatus);
        HttpResponseMessage response;
        if (form == ServedForm.NotModified)
        {
            // RFC 9110 §15.4.5: a 304 carries the fields a 200 would have that describe the representation's metadata.
            response = new HttpResponseMessage(HttpStatusCode.NotModified) { Version = entry.HttpVersion, RequestMessage = request, Content = Conditionals.EmptyContent() };
            foreach (var header in entry.Headers)
            {
                if (Conditionals.BelongsInNotModified(header.Name))
                {
                    response.Headers.TryAddWithoutValidation(header.Name, header.Values);
                }
            }

            foreach (var header in entry.ContentHeaders)
            {
                if (Conditionals.BelongsInNotModified(header.Name))
                {
                    response.Content.Headers.TryAddWithoutValidation(header.Name, header.Values);
                }
            }
        }
        else
        {
            response = new HttpResponseMessage((HttpStatusCode)entry.StatusCode)
            {
                Version = entry.HttpVersion,
                RequestMessage = request,
                Content = form == ServedForm.Head ? HeadContent(entry) : CreateContent(bodyRecord, entry),
            };

            if (entry.ReasonPhrase is not null)
            {
                response.ReasonPhrase = entry.ReasonPhrase;
            }

            foreach (var header in entry.Headers)
            {
                response.Headers.TryAddWithoutValidation(header.Name, header.Values);
            }

            if (form == ServedForm.Full)
            {
                _metrics.CacheBytes(_clientName, entry.BodyLength);
            }
        }

        var headers = response.Headers;

        headers.TryAddWithoutValidation("Age", CacheStatus.Seconds(age).ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
        return response;
    }

    /// <summary>The content of a HEAD response: no body, but the stored response's content headers and length.</summary>
    private static ByteArrayContent HeadContent(CacheEntry entry)
    {
        var content = Conditionals.EmptyContent();
        foreach (var header in entry.ContentHeaders)
        {
            content.Headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        content.Headers.ContentLength = entry.BodyLength;
        return content;
    }

    private static ByteArrayContent CreateContent(byte[] bodyRecord, CacheEntry entry)
    {
        var content = BodyRecord.Content(bodyRecord);
        var headers = content.Headers;
        foreach (var header in entry.ContentHeaders)
        {
            headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        return content;
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

    /// <summary>
    /// Range requests and the preconditions of state-changing requests (If-Match, If-Unmodified-Since, If-Range) are
    /// forwarded untouched: a 206 never touches the stored full response.
    /// </summary>
    private static bool HasUnsupportedRequestFields(HttpRequestMessage request)
    {
        var headers = request.Headers.NonValidated;
        return headers.Contains("Range")
            || headers.Contains("If-Match")
            || headers.Contains("If-Unmodified-Since")
            || headers.Contains("If-Range");
    }

    private static readonly string[] RelatedLocationFields = ["Location", "Content-Location"];

    private static bool HasAuthorization(HttpRequestMessage request) => request.Headers.NonValidated.Contains("Authorization");

    /// <summary>Whether the request carried credentials that can make its response personal.</summary>
    private static bool HasCredentials(HttpRequestMessage request) =>
        request.Headers.NonValidated.Contains("Authorization") || request.Headers.NonValidated.Contains("Cookie");

    /// <summary>RFC 9110 §9.2.1: methods that do not change state, and so invalidate nothing.</summary>
    private static bool IsSafe(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace;

    /// <summary>
    /// RFC 9111 §4.4: a non-error response to an unsafe method makes the stored responses for the target URI, and for
    /// same-origin <c>Location</c> and <c>Content-Location</c>, unusable.
    /// </summary>
    private async Task InvalidateAsync(ThirdPartyCachingOptions options, Uri target, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var store = Tier(options);
        await RemoveEntryAsync(target).ConfigureAwait(false);
        foreach (var name in RelatedLocationFields)
        {
            var headers = name == "Location" ? (System.Net.Http.Headers.HttpHeaders)response.Headers : response.Content.Headers;
            if (headers.NonValidated.TryGetValues(name, out var values)
                && Uri.TryCreate(target, values.ToString(), out var related)
                && related.IsAbsoluteUri
                && Uri.Compare(related, target, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                await RemoveEntryAsync(related).ConfigureAwait(false);
            }
        }

        async Task RemoveEntryAsync(Uri uri)
        {
            await _state.InvalidateAsync(store, uri, reportRemoved: false, cancellationToken).ConfigureAwait(false);
            Log.Invalidated(_logger, _clientName, new LoggedUri(uri));
        }
    }

    /// <summary>
    /// Sends a HEAD request or the caller's own conditional GET as it is. A 304 or a HEAD response that names the stored
    /// representation refreshes its metadata (RFC 9111 §4.3.4, §4.3.5); a HEAD response that names another one makes
    /// it unusable; a full response is stored as usual.
    /// </summary>
    private async Task<HttpResponseMessage> ForwardDirectAsync(HttpRequestMessage request, Fetch fetch, bool head, CancellationToken cancellationToken)
    {
        var requestTime = _time.GetUtcNow();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var responseTime = _time.GetUtcNow();
        var status = (int)response.StatusCode;
        var stale = fetch.StaleEntry;

        if (head || response.StatusCode == HttpStatusCode.NotModified)
        {
            var cacheStatus = CacheStatus.Forward(fetch.Fwd, status);
            if (stale is not null)
            {
                var updated = head
                    ? EntryFactory.RefreshFromHead(stale, response, requestTime, responseTime, fetch.Options, fetch.HasCredentials)
                    : EntryFactory.Refresh(stale, response, requestTime, responseTime, fetch.Options, fetch.HasCredentials);
                if (updated is not null && (updated.Flags & CacheControlFlags.MarkedStale) != 0)
                {
                    // The HEAD response describes another representation than this instance's copy. If the store still
                    // holds that same version, it is removed; if it holds another (a newer one another instance stored),
                    // it is left alone and only this instance's copy is dropped. Nothing is ever written back.
                    fetch.Store.Forget(fetch.EntryKey);
                    if (await fetch.Store.ReadSharedAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false) is { } current
                        && CacheEntrySerializer.TryDeserialize(current) is { } currentEntry
                        && string.Equals(currentEntry.VersionId, stale.VersionId, StringComparison.Ordinal))
                    {
                        await fetch.Store.RemoveAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                else if (updated is not null)
                {
                    // The response is the caller's already: what it says is kept whatever the caller does now.
                    await ApplyUpdateAsync(fetch, updated, status, CancellationToken.None).ConfigureAwait(false);
                }
            }

            Completed(response.StatusCode == HttpStatusCode.NotModified ? HttpCachingDiagnostics.OutcomeRevalidated : HttpCachingDiagnostics.OutcomeMiss, cacheStatus);
            response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
            return response;
        }

        var result = await StoreAsync(fetch, request, false, response, IsRedirected(fetch.Uri, request, response), requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        result.TryClaimOriginal(out var original);
        original.RequestMessage = request;
        original.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, result.CacheStatus);
        Completed(result.Outcome, result.CacheStatus);
        return original;
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
