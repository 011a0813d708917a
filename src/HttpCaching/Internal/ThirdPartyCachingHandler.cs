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
    private readonly RequestCoalescer _coalescer;
    private readonly RequestKeyCache _keys;
    private readonly NearCaches _nearCaches;
    private TieredStore? _tier;
    private readonly TimeProvider _time;
    private readonly HttpCachingMetrics _metrics;
    private readonly ILogger _logger;
    private ThirdPartyCachingOptions? _lastValidOptions;

    public ThirdPartyCachingHandler(
        string clientName,
        IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
        CacheStoreProvider stores,
        RequestCoalescer coalescer,
        RequestKeyCache keys,
        NearCaches nearCaches,
        TimeProvider time,
        HttpCachingMetrics metrics,
        ILogger<ThirdPartyCachingHandler> logger)
    {
        _clientName = clientName;
        _optionsMonitor = optionsMonitor;
        _stores = stores;
        _coalescer = coalescer;
        _keys = keys;
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

        var head = request.Method == HttpMethod.Head;
        if (request.Method != HttpMethod.Get && !head)
        {
            var forwarded = await ForwardUncachedAsync(request, CacheStatus.FwdMethod, cancellationToken).ConfigureAwait(false);
            if (!IsSafe(request.Method) && (int)forwarded.StatusCode is >= 200 and < 400 && request.RequestUri is { IsAbsoluteUri: true } target)
            {
                await InvalidateAsync(options, target, forwarded, cancellationToken).ConfigureAwait(false);
            }

            return forwarded;
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

        var store = Tier(options);
        var keys = _keys.Get(uri, options.KeyPrefix);
        var requestHash = keys.RequestHash;
        var entryKey = keys.EntryKey;
        var (entry, bodyRecord, storedKey) = await ReadAsync(store, keys, request, cancellationToken).ConfigureAwait(false);

        var fwd = CacheStatus.FwdUriMiss;
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
                var fetch = new Fetch(this, options, store, uri, requestHash, entryKey, storedKey, requestDirectives, HasAuthorization(request), entry, bodyRecord!, fwd);
                StartBackgroundRevalidation(fetch, request);
                return Serve(request, entry, bodyRecord!, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailStaleWhileRevalidate), HttpCachingDiagnostics.OutcomeStale);
            }

            if (fwd == CacheStatus.FwdStale && entry.RetryAfter > now && Freshness.WithinStaleIfError(entry, staleness, options))
            {
                // The origin asked not to be called before then: serve what is stored.
                Log.HoldingOff(_logger, _clientName, new LoggedUri(uri), entry.RetryAfter - now);
                return Serve(request, entry, bodyRecord!, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailRetryAfter), HttpCachingDiagnostics.OutcomeStale);
            }
        }

        if (requestDirectives.Has(CacheControlFlags.OnlyIfCached))
        {
            _metrics.Request(_clientName, HttpCachingDiagnostics.OutcomeMiss);
            return OnlyIfCachedResponse(request);
        }

        if (head || Conditionals.IsConditional(request))
        {
            // HEAD and the caller's own conditional requests go to the origin as they are, on their own.
            var direct = new Fetch(this, options, store, uri, requestHash, entryKey, storedKey, requestDirectives, HasAuthorization(request), entry, bodyRecord, fwd);
            return await ForwardDirectAsync(request, direct, head, cancellationToken).ConfigureAwait(false);
        }

        Log.Forwarding(_logger, _clientName, new LoggedUri(uri), fwd);
        var shared = new Fetch(this, options, store, uri, requestHash, entryKey, storedKey, requestDirectives, HasAuthorization(request), entry, bodyRecord, fwd);
        FetchResult result;
        bool leader;
        HttpResponseMessage? original;
        try
        {
            (result, leader, original) = await _coalescer.RunAsync(storedKey, shared.Prepare(request), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The origin could not be reached: serve what is stored if RFC 5861 allows it.
            if (TryServeStaleOnError(request, options, entry, bodyRecord, fwdStatus: null, CacheStatus.DetailOriginUnreachable, collapsed: false) is { } stale)
            {
                Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(uri), ex);
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
            Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(fetch.Uri), null);
            return stale;
        }

        if (original is not null)
        {
            original.RequestMessage = request;
            original.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, result.CacheStatus);
            _metrics.Request(_clientName, result.Outcome);
            return original;
        }

        if (result.Entry is { } entry && (leader || result.VaryNames is null || Variants.Id(result.VaryNames, request) == result.VariantId))
        {
            var cacheStatus = leader ? result.CacheStatus : CacheStatus.Collapsed(result.CacheStatus);
            return Serve(request, entry, result.BodyRecord!, entry.CurrentAge(_time.GetUtcNow()), cacheStatus, result.Outcome);
        }

        // The response could not be shared (streamed, not storable, or another variant): this caller asks for its own.
        var own = await fetch.Prepare(request)(cancellationToken).ConfigureAwait(false);
        own.TryClaimOriginal(out var ownResponse);
        return await DeliverAsync(request, fetch, own, leader: true, ownResponse, cancellationToken).ConfigureAwait(false);
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
        // The caller may dispose its request as soon as it has the stale response: prepare the copy now.
        var run = fetch.Prepare(request);
        var background = _coalescer.RunInBackground(fetch.EntryKey, run);
        _ = background.ContinueWith(
            static (task, state) =>
            {
                var (handler, uri) = ((ThirdPartyCachingHandler, Uri))state!;
                if (task.Exception is { } exception)
                {
                    Log.BackgroundRevalidationFailed(handler._logger, handler._clientName, new LoggedUri(uri), exception.InnerException ?? exception);
                }
                else if (task.Result is { Failed: true } result)
                {
                    Log.BackgroundRevalidationRefused(handler._logger, handler._clientName, new LoggedUri(uri), result.FailedStatus!.Value, result.FailureDetail!);
                }
            },
            (this, fetch.Uri),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The client's store for these options: the near cache (unless the store is in process) over the guarded store.</summary>
    private TieredStore Tier(ThirdPartyCachingOptions options)
    {
        var shared = _stores.Get(options.StoreServiceKey);
        var tier = _tier;
        if (tier is not null && ReferenceEquals(tier.Options, options) && ReferenceEquals(tier.Shared, shared))
        {
            return tier;
        }

        var near = shared.InProcess ? null : _nearCaches.For(_clientName, options);
        return _tier = new TieredStore(shared, near, _clientName, options);
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

    /// <summary>
    /// One origin request on behalf of every caller waiting for the same key: conditional when a stored response has
    /// validators, then stored, refreshed or reported as a failure.
    /// </summary>
    private async Task<FetchResult> FetchAsync(Fetch fetch, HttpRequestMessage originRequest, CancellationToken cancellationToken)
    {
        using var _ = originRequest;
        var options = fetch.Options;
        var stale = fetch.StaleEntry;
        var conditional = stale is not null && fetch.StaleBody is not null && (stale.ETag is not null || stale.LastModified is not null);
        if (conditional)
        {
            AddValidators(originRequest, stale!);
        }

        var requestTime = _time.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(originRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && stale is not null && fetch.StaleBody is not null)
        {
            // The origin is unreachable: leave it alone for a while; the callers fall back to the stored response.
            await BackOffAsync(fetch, null).ConfigureAwait(false);
            throw;
        }

        var responseTime = _time.GetUtcNow();
        var redirected = IsRedirected(fetch.Uri, originRequest, response);

        if (conditional && response.StatusCode == HttpStatusCode.NotModified && !redirected)
        {
            var refreshed = EntryFactory.Refresh(stale!, response, requestTime, responseTime, options);
            response.Dispose();
            if (refreshed is not null)
            {
                await WriteRefreshedAsync(fetch, refreshed, cancellationToken).ConfigureAwait(false);
                Log.Revalidated(_logger, _clientName, new LoggedUri(fetch.Uri));
                return FetchResult.Success(null, refreshed, fetch.StaleBody, CacheStatus.Forward(fetch.Fwd, 304), HttpCachingDiagnostics.OutcomeRevalidated);
            }

            // The 304 names a representation other than the stored one: ask for the full response instead.
            RemoveValidators(originRequest);
            requestTime = _time.GetUtcNow();
            response = await base.SendAsync(originRequest, cancellationToken).ConfigureAwait(false);
            responseTime = _time.GetUtcNow();
            redirected = IsRedirected(fetch.Uri, originRequest, response);
        }

        var status = (int)response.StatusCode;
        if (Freshness.IsOriginError(status) && stale is not null && fetch.StaleBody is not null)
        {
            return await OriginFailedAsync(fetch, response, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        }

        return await StoreAsync(fetch, originRequest, conditional, response, redirected, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The origin answered with an error while a stored response exists: the error is not stored, a <c>Retry-After</c>
    /// is remembered in the entry, and the result lets each caller fall back to the stored response.
    /// </summary>
    private async Task<FetchResult> OriginFailedAsync(Fetch fetch, HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        await BackOffAsync(fetch, status is 429 or 503 ? RetryAfter(response, responseTime) : null).ConfigureAwait(false);

        var detail = CacheStatus.Detail(NotStoredReason.OriginError);
        var cacheStatus = CacheStatus.Forward(fetch.Fwd, status, stored: false, detail);
        var body = await BodyReader.ReadAsync(response.Content, fetch.Options.MaxBodySize, cancellationToken).ConfigureAwait(false);
        if (body.Record is null)
        {
            response.Content = body.Replacement!;
            return FetchResult.Failure(response, null, null, cacheStatus, status, detail);
        }

        _metrics.OriginBytes(_clientName, body.Length);
        var snapshot = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, fetch.Options);
        response.Content = CreateContent(body.Record, snapshot);
        return FetchResult.Failure(response, snapshot, body.Record, cacheStatus, status, detail);
    }

    /// <summary>
    /// Remembers in the stored entry that the origin is not to be called before <paramref name="until"/> (its
    /// Retry-After), or for <see cref="ThirdPartyCachingOptions.OriginBackoff"/>, so every instance sharing the store
    /// serves the stored response meanwhile.
    /// </summary>
    private async Task BackOffAsync(Fetch fetch, DateTimeOffset? until)
    {
        if (fetch.Background || fetch.StaleEntry is not { } stale || (until is null && fetch.Options.OriginBackoff <= TimeSpan.Zero))
        {
            return;
        }

        // Not the callers' token: the back-off must be recorded even when they have all given up.
        var retryAfter = until ?? _time.GetUtcNow() + fetch.Options.OriginBackoff;
        await WriteEntryAsync(fetch, stale with { RetryAfter = retryAfter }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a full response when RFC 9111 allows it: the body version, then the entry (under the variant the request
    /// selects when the response varies, with the Vary record under the URL's key).
    /// </summary>
    private async Task<FetchResult> StoreAsync(
        Fetch fetch,
        HttpRequestMessage sent,
        bool sentValidators,
        HttpResponseMessage response,
        bool redirected,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        CancellationToken cancellationToken)
    {
        var options = fetch.Options;
        var status = (int)response.StatusCode;
        var directives = CacheControl.Parse(response.Headers);
        var reason = CachePolicy.CheckStorable(response, directives, fetch.RequestDirectives, fetch.HasAuthorization, options.Shared);
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
            if (reason is not (NotStoredReason.TooLarge or NotStoredReason.Redirected)
                && status is >= 200 and < 300
                && options.ValidateResponse is { } check
                && fetch.StaleEntry is not null
                && fetch.StaleBody is not null)
            {
                // Not storable, but a stored version exists: a body the client would refuse must not replace it.
                return await ValidateUnstorableAsync(fetch, check, response, reason, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
            }

            return NotStored(fetch, response, reason, response.Content.Headers.ContentLength ?? 0);
        }

        var body = await BodyReader.ReadAsync(response.Content, options.MaxBodySize, cancellationToken).ConfigureAwait(false);
        if (body.Record is null)
        {
            // Too large after all, or shorter than announced: hand back what was read, followed by the rest.
            response.Content = body.Replacement!;
            return NotStored(fetch, response, body.Reason, body.Length);
        }

        _metrics.OriginBytes(_clientName, body.Length);
        var entry = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, options);
        response.Content = CreateContent(body.Record, entry);

        if (options.ValidateResponse is { } validate && !await IsAcceptedAsync(validate, fetch, response, body, cancellationToken).ConfigureAwait(false))
        {
            return await RejectedAsync(fetch, response, entry, body.Record).ConfigureAwait(false);
        }

        var varyNames = Variants.Names(response);
        var variantId = varyNames is null ? null : Variants.Id(varyNames, sent, sentValidators);
        var stored = await WriteAsync(fetch, entry, body.Record, varyNames, variantId, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            Log.Stored(_logger, _clientName, new LoggedUri(fetch.Uri), status, body.Length);
        }

        var cacheStatus = CacheStatus.Forward(fetch.Fwd, status, stored, stored ? null : CacheStatus.Detail(NotStoredReason.StoreFailed));
        return FetchResult.Success(response, entry, body.Record, cacheStatus, HttpCachingDiagnostics.OutcomeMiss, varyNames, variantId);
    }

    /// <summary>A response the client's check refused: never stored, and the origin is left alone for a while.</summary>
    private async Task<FetchResult> RejectedAsync(Fetch fetch, HttpResponseMessage response, CacheEntry snapshot, byte[] bodyRecord)
    {
        var status = (int)response.StatusCode;
        Log.ResponseRejected(_logger, _clientName, new LoggedUri(fetch.Uri), status);
        await BackOffAsync(fetch, null).ConfigureAwait(false);
        var detail = CacheStatus.Detail(NotStoredReason.Rejected);
        return FetchResult.Failure(response, snapshot, bodyRecord, CacheStatus.Forward(fetch.Fwd, status, stored: false, detail), status, detail);
    }

    private async Task<FetchResult> ValidateUnstorableAsync(
        Fetch fetch,
        Func<ResponseValidationContext, CancellationToken, ValueTask<bool>> check,
        HttpResponseMessage response,
        NotStoredReason reason,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        CancellationToken cancellationToken)
    {
        var body = await BodyReader.ReadAsync(response.Content, fetch.Options.MaxBodySize, cancellationToken).ConfigureAwait(false);
        if (body.Record is null)
        {
            response.Content = body.Replacement!;
            return NotStored(fetch, response, body.Reason, body.Length);
        }

        var snapshot = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, fetch.Options);
        response.Content = CreateContent(body.Record, snapshot);
        if (!await IsAcceptedAsync(check, fetch, response, body, cancellationToken).ConfigureAwait(false))
        {
            _metrics.OriginBytes(_clientName, body.Length);
            return await RejectedAsync(fetch, response, snapshot, body.Record).ConfigureAwait(false);
        }

        return NotStored(fetch, response, reason, body.Length);
    }

    private async Task<bool> IsAcceptedAsync(
        Func<ResponseValidationContext, CancellationToken, ValueTask<bool>> validate,
        Fetch fetch,
        HttpResponseMessage response,
        BodyReadResult body,
        CancellationToken cancellationToken)
    {
        try
        {
            var context = new ResponseValidationContext(_clientName, fetch.Uri, response, body.Record.AsMemory(RecordFormat.BodyHeaderLength, body.Length));
            return await validate(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ValidationFailed(_logger, _clientName, new LoggedUri(fetch.Uri), ex);
            return false;
        }
    }

    private FetchResult NotStored(Fetch fetch, HttpResponseMessage response, NotStoredReason reason, long originBytes)
    {
        Log.NotStored(_logger, _clientName, new LoggedUri(fetch.Uri), (int)response.StatusCode, CacheStatus.Detail(reason));
        _metrics.OriginBytes(_clientName, originBytes);
        var cacheStatus = CacheStatus.Forward(fetch.Fwd, (int)response.StatusCode, stored: false, CacheStatus.Detail(reason));
        return FetchResult.Success(response, null, null, cacheStatus, HttpCachingDiagnostics.OutcomeMiss);
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

    /// <summary>A response of the caller's own, built from a stored (or shared) entry and body.</summary>
    private HttpResponseMessage Serve(HttpRequestMessage request, CacheEntry entry, byte[] bodyRecord, TimeSpan age, string cacheStatus, string outcome, ServedForm form = ServedForm.Full)
    {
        _metrics.Request(_clientName, outcome);
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
        // The record is shared by every response served from it; ByteArrayContent only ever reads it.
        var content = new ByteArrayContent(bodyRecord, RecordFormat.BodyHeaderLength, entry.BodyLength);
        var headers = content.Headers;
        foreach (var header in entry.ContentHeaders)
        {
            headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        return content;
    }

    /// <summary>A copy of the caller's request for the origin, so that the shared request outlives any one caller.</summary>
    private static HttpRequestMessage CopyForOrigin(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };

        foreach (var (name, values) in request.Headers.NonValidated)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        var copyOptions = (IDictionary<string, object?>)copy.Options;
        foreach (var (key, value) in request.Options)
        {
            copyOptions[key] = value;
        }

        return copy;
    }

    private static void AddValidators(HttpRequestMessage request, CacheEntry entry)
    {
        if (entry.ETag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", entry.ETag);
        }

        if (entry.LastModified is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", entry.LastModified);
        }
    }

    private static void RemoveValidators(HttpRequestMessage request)
    {
        request.Headers.Remove("If-None-Match");
        request.Headers.Remove("If-Modified-Since");
    }

    /// <summary><c>Retry-After</c> as seconds or an HTTP date (RFC 9110 §10.2.3), or <see langword="null"/>.</summary>
    private static DateTimeOffset? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (!response.Headers.NonValidated.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            var seconds = CacheControl.ParseDeltaSeconds(value);
            if (seconds >= 0)
            {
                return now + TimeSpan.FromSeconds(seconds);
            }

            return HttpDate.TryParse(value, out var date) && date > now ? date : null;
        }

        return null;
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
            var keys = _keys.Get(uri, options.KeyPrefix);
            await store.RemoveAsync(keys.EntryKey, cancellationToken).ConfigureAwait(false);
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
            if (stale is not null && (response.StatusCode == HttpStatusCode.NotModified || status == (int)stale.StatusCode))
            {
                if (EntryFactory.Refresh(stale, response, requestTime, responseTime, fetch.Options) is { } refreshed)
                {
                    await WriteRefreshedAsync(fetch, refreshed, cancellationToken).ConfigureAwait(false);
                }
                else if (head)
                {
                    await fetch.Store.RemoveAsync(fetch.EntryKey, cancellationToken).ConfigureAwait(false);
                }
            }

            _metrics.Request(_clientName, response.StatusCode == HttpStatusCode.NotModified ? HttpCachingDiagnostics.OutcomeRevalidated : HttpCachingDiagnostics.OutcomeMiss);
            response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
            return response;
        }

        var result = await StoreAsync(fetch, request, false, response, IsRedirected(fetch.Uri, request, response), requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        result.TryClaimOriginal(out var original);
        original.RequestMessage = request;
        original.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, result.CacheStatus);
        _metrics.Request(_clientName, result.Outcome);
        return original;
    }

    /// <summary>
    /// Whether the response came from another URI than the one asked for: a redirect was followed below this handler
    /// (the redirect handler rewrites the request's URI). Such a response is not stored under the original URI.
    /// </summary>
    private static bool IsRedirected(Uri requestUri, HttpRequestMessage sent, HttpResponseMessage response) =>
        (response.RequestMessage ?? sent).RequestUri is { } finalUri && finalUri != requestUri;

    /// <summary>
    /// Reads the stored response for the request: the URL's entry, or, when the response varies, the entry of the
    /// variant the request selects; then the body version it points at. Returns the key of the entry that was read.
    /// Records read from a shared store are kept in the near cache once they have been checked.
    /// </summary>
    private async ValueTask<(CacheEntry? Entry, byte[]? BodyRecord, string EntryKey)> ReadAsync(
        TieredStore store,
        RequestKeys keys,
        HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        var entryKey = keys.EntryKey;
        var entryRecord = await store.GetAsync(entryKey, cancellationToken).ConfigureAwait(false);
        if (entryRecord is not null && Variants.IsVaryRecord(entryRecord))
        {
            if (Variants.TryDeserialize(entryRecord) is not { } names)
            {
                Log.UnreadableRecord(_logger, _clientName);
                return (null, null, entryKey);
            }

            store.Remember(entryKey, entryRecord, bodyVersion: false);
            entryKey = CacheKeyBuilder.VariantKey(keys.Prefix, _clientName, keys.RequestHash, Variants.Id(names, request));
            entryRecord = await store.GetAsync(entryKey, cancellationToken).ConfigureAwait(false);
        }

        if (entryRecord is null)
        {
            return (null, null, entryKey);
        }

        if (DecodedEntryCache.Get(entryRecord, keys.Prefix, _clientName, keys.RequestHash) is not { } decoded)
        {
            Log.UnreadableRecord(_logger, _clientName);
            return (null, null, entryKey);
        }

        store.Remember(entryKey, entryRecord, bodyVersion: false);
        var bodyRecord = await store.GetAsync(decoded.BodyKey, cancellationToken).ConfigureAwait(false);
        if (bodyRecord is null)
        {
            // The body was evicted before the entry that points at it: a miss.
            return (null, null, entryKey);
        }

        if (!BodyRecord.IsValid(bodyRecord, decoded.Entry.BodyLength))
        {
            Log.UnreadableRecord(_logger, _clientName);
            return (null, null, entryKey);
        }

        store.Remember(decoded.BodyKey, bodyRecord, bodyVersion: true);
        return (decoded.Entry, bodyRecord, entryKey);
    }

    private async Task<bool> WriteAsync(Fetch fetch, CacheEntry entry, byte[] bodyRecord, string[]? varyNames, string? variantId, CancellationToken cancellationToken)
    {
        var options = fetch.Options;
        var window = EntryFactory.ExpiresAt(entry, options) - _time.GetUtcNow();
        if (window <= TimeSpan.Zero)
        {
            return false;
        }

        // The body version first, so that an entry never points at a body that was not written. A version is written
        // once and slides: every read and every 304 keeps it for another window, so it outlives the entries that
        // point at it while they are in use, and is never rewritten.
        var store = fetch.Store;
        var bodyKey = CacheKeyBuilder.BodyKey(options.KeyPrefix, _clientName, fetch.RequestHash, entry.VersionId);
        var expiry = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window };
        if (!await store.SetAsync(bodyKey, bodyRecord, new DistributedCacheEntryOptions { SlidingExpiration = window }, bodyVersion: true, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (varyNames is null)
        {
            return await store.SetAsync(fetch.PrimaryKey, CacheEntrySerializer.Serialize(entry), expiry, bodyVersion: false, cancellationToken).ConfigureAwait(false);
        }

        // A response that varies: the variant's entry, then the Vary record that leads to it.
        var variantKey = CacheKeyBuilder.VariantKey(options.KeyPrefix, _clientName, fetch.RequestHash, variantId!);
        return await store.SetAsync(variantKey, CacheEntrySerializer.Serialize(entry), expiry, bodyVersion: false, cancellationToken).ConfigureAwait(false)
            && await store.SetAsync(fetch.PrimaryKey, Variants.Serialize(varyNames), expiry, bodyVersion: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a 304: the entry is rewritten with the new metadata; the body is only kept alive, never rewritten.</summary>
    private async Task WriteRefreshedAsync(Fetch fetch, CacheEntry entry, CancellationToken cancellationToken)
    {
        var bodyKey = CacheKeyBuilder.BodyKey(fetch.Options.KeyPrefix, _clientName, fetch.RequestHash, entry.VersionId);
        if (await fetch.Store.RefreshAsync(bodyKey, cancellationToken).ConfigureAwait(false))
        {
            await WriteEntryAsync(fetch, entry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rewrites only the per-URL entry record.</summary>
    private async Task WriteEntryAsync(Fetch fetch, CacheEntry entry, CancellationToken cancellationToken)
    {
        var window = EntryFactory.ExpiresAt(entry, fetch.Options) - _time.GetUtcNow();
        if (window > TimeSpan.Zero)
        {
            await fetch.Store.SetAsync(fetch.EntryKey, CacheEntrySerializer.Serialize(entry), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Everything one origin request needs, captured when the request is made.</summary>
    private sealed class Fetch(
        ThirdPartyCachingHandler handler,
        ThirdPartyCachingOptions options,
        TieredStore store,
        Uri uri,
        string requestHash,
        string primaryKey,
        string entryKey,
        CacheControl requestDirectives,
        bool hasAuthorization,
        CacheEntry? staleEntry,
        byte[]? staleBody,
        string fwd)
    {
        public ThirdPartyCachingOptions Options => options;

        public TieredStore Store => store;

        public Uri Uri => uri;

        public string RequestHash => requestHash;

        /// <summary>The URL's entry key: where its entry or Vary record lives.</summary>
        public string PrimaryKey => primaryKey;

        /// <summary>
        /// The key of the stored entry this request read (a variant's, when the response varies): concurrent requests
        /// with the same key share one origin request.
        /// </summary>
        public string EntryKey => entryKey;

        public CacheControl RequestDirectives => requestDirectives;

        public CacheEntry? StaleEntry => staleEntry;

        public byte[]? StaleBody => staleBody;

        public string Fwd => fwd;

        /// <summary>Whether this is a background revalidation (stale-while-revalidate), which records no back-off.</summary>
        public bool Background { get; set; }

        /// <summary>Whether the request carried <c>Authorization</c>, which limits what a shared cache may store.</summary>
        public bool HasAuthorization => hasAuthorization;

        /// <summary>The origin request to run; it copies the caller's request when it starts.</summary>
        public Func<CancellationToken, Task<FetchResult>> Prepare(HttpRequestMessage request) =>
            cancellationToken => handler.FetchAsync(this, CopyForOrigin(request), cancellationToken);
    }
}
