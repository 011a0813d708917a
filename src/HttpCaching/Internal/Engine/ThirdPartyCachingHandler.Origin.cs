using Microsoft.Extensions.Caching.Distributed;
using System.Net;

namespace HttpCaching.Internal;

internal sealed partial class ThirdPartyCachingHandler
{
    /// <summary>
    /// One origin request on behalf of every caller waiting for the same key: conditional when a stored response has
    /// validators, then stored, refreshed or reported as a failure.
    /// </summary>
    private async Task<FetchResult> FetchAsync(Fetch fetch, HttpRequestMessage originRequest, CancellationToken cancellationToken)
    {
        using var _ = originRequest;
        if (KeptSinceRead(fetch) is { } kept)
        {
            return kept;
        }

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
            response = await SendToOriginAsync(originRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (stale is not null && fetch.StaleBody is not null
            && (!cancellationToken.IsCancellationRequested || _time.GetUtcNow() - requestTime >= options.OriginTimeout))
        {
            // The origin is unreachable, or did not answer within OriginTimeout: leave it alone for a while; the callers
            // fall back to the stored response.
            await BackOffAsync(fetch, null).ConfigureAwait(false);
            throw;
        }

        var responseTime = _time.GetUtcNow();
        var redirected = IsRedirected(fetch.Uri, originRequest, response);

        if (conditional && response.StatusCode == HttpStatusCode.NotModified && !redirected)
        {
            var refreshed = EntryFactory.Refresh(stale!, response, requestTime, responseTime, options, fetch.HasCredentials);
            response.Dispose();
            if (refreshed is not null)
            {
                var cacheStatus = CacheStatus.Forward(fetch.Fwd, 304);
                if (await ApplyUpdateAsync(fetch, refreshed, 304, cancellationToken).ConfigureAwait(false) == UpdateOutcome.MustNotKeep)
                {
                    // The 304 made the response one this cache must not keep: this caller gets it, the others ask themselves.
                    return FetchResult.Unshared(null, refreshed, fetch.StaleBody, cacheStatus, HttpCachingDiagnostics.OutcomeRevalidated);
                }

                Log.Revalidated(_logger, _clientName, new LoggedUri(fetch.Uri));
                var revalidated = FetchResult.Success(null, refreshed, fetch.StaleBody, cacheStatus, HttpCachingDiagnostics.OutcomeRevalidated);
                await ClearBackoffAsync(fetch, revalidated).ConfigureAwait(false);
                return revalidated;
            }

            // The 304 names a representation other than the stored one: ask for the full response instead.
            RemoveValidators(originRequest);
            requestTime = _time.GetUtcNow();
            response = await SendToOriginAsync(originRequest, cancellationToken).ConfigureAwait(false);
            responseTime = _time.GetUtcNow();
            redirected = IsRedirected(fetch.Uri, originRequest, response);
        }

        var status = (int)response.StatusCode;
        if (Freshness.IsOriginError(status) && stale is not null && fetch.StaleBody is not null)
        {
            return await OriginFailedAsync(fetch, response, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        }

        var stored = await StoreAsync(fetch, originRequest, conditional, response, redirected, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        await ClearBackoffAsync(fetch, stored).ConfigureAwait(false);
        return stored;
    }

    /// <summary>
    /// A response for the key that this instance kept after the request read the store, and that serves the request
    /// as it is: the request that fetched it finished before this one could join it (a slower store read, say), so
    /// asking the origin again would only repeat it. Memory only, so it costs no store round trip; the request's own
    /// directives still rule (<c>no-cache</c>, <c>max-age=0</c> go to the origin).
    /// </summary>
    private FetchResult? KeptSinceRead(Fetch fetch)
    {
        var store = fetch.Store;
        if (store.GetFromMemory(fetch.EntryKey) is not { } record
            || Variants.IsVaryRecord(record)
            || DecodedEntryCache.Get(record, fetch.Options.KeyPrefix, _clientName, fetch.RequestHash) is not { } decoded)
        {
            return null;
        }

        var entry = decoded.Entry;
        if (fetch.StaleEntry is { } read && entry.VersionId == read.VersionId && entry.ResponseTime <= read.ResponseTime)
        {
            // What the request read, or older: nothing new since.
            return null;
        }

        if (store.GetFromMemory(decoded.BodyKey) is not { } body || !BodyRecord.IsValid(body, entry.BodyLength))
        {
            return null;
        }

        var reuse = Freshness.Evaluate(entry, entry.CurrentAge(_time.GetUtcNow()), fetch.Options, fetch.RequestDirectives);
        return reuse.Usable && !reuse.Stale
            ? FetchResult.Success(null, entry, body, CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor), HttpCachingDiagnostics.OutcomeHit)
            : null;
    }

    /// <summary>The origin answered well again: a back-off this request found is over for every instance.</summary>
    private static async ValueTask ClearBackoffAsync(Fetch fetch, FetchResult result)
    {
        if (fetch.BackoffSeen && !result.Failed)
        {
            await fetch.Store.RemoveAsync(fetch.BackoffKey, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends the shared request to the origin. It returns as soon as the request's token is cancelled (every caller
    /// gave up, or OriginTimeout passed), even if the origin call does not honour it; a response that comes after that
    /// is disposed, never stored: a request given up must not write what it learned over what a later one stored.
    /// </summary>
    private async Task<HttpResponseMessage> SendToOriginAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sending = base.SendAsync(request, cancellationToken);
        try
        {
            var response = await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                response.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !sending.IsCompleted)
        {
            _ = sending.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Dispose();
                    }
                    else
                    {
                        _ = t.Exception;
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
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
        var snapshot = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, fetch.Options, fetch.HasCredentials);
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

        // Not the callers' token: the back-off must be recorded even when they have all given up. It goes in a record of
        // its own: rewriting the entry from this instance's view could replace a newer version another instance stored.
        _ = stale;
        var retryAfter = until ?? _time.GetUtcNow() + fetch.Options.OriginBackoff;
        var window = retryAfter - _time.GetUtcNow();
        if (window > TimeSpan.Zero)
        {
            await fetch.Store.SetAsync(fetch.BackoffKey, BackoffRecord.Serialize(retryAfter), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, CancellationToken.None, fetch.Budget)
                .ConfigureAwait(false);
        }
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

        if (reason == NotStoredReason.None && RecordLimits.Exceeded(response, directives, options.Shared) is { } limit)
        {
            Log.ExceedsRecordLimits(_logger, _clientName, new LoggedUri(fetch.Uri), status, limit);
            reason = NotStoredReason.ExceedsRecordLimits;
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
                return await ValidateUnstorableAsync(fetch, check, response, directives, reason, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
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
        var entry = EntryFactory.Create(response, directives, body.Record, body.Length, requestTime, responseTime, options, fetch.HasCredentials);
        response.Content = CreateContent(body.Record, entry);
        if (!RecordLimits.Fits(entry))
        {
            // The entry as stored (with the Date a response without one is given) is what the reader checks.
            Log.ExceedsRecordLimits(_logger, _clientName, new LoggedUri(fetch.Uri), status, "header fields");
            return NotStored(fetch, response, NotStoredReason.ExceedsRecordLimits, 0);
        }

        if (options.ValidateResponse is { } validate && !await IsAcceptedAsync(validate, fetch, response, body, cancellationToken).ConfigureAwait(false))
        {
            return await RejectedAsync(fetch, response, entry, body.Record).ConfigureAwait(false);
        }

        var varyNames = Variants.Names(response);
        var variantId = varyNames is null ? null : Variants.Id(varyNames, sent, sentValidators);
        if (variantId is not null)
        {
            // Each variant has body versions of its own: two variants with the same entity tag must not share bytes.
            entry = entry with { VersionId = CacheKeyBuilder.VariantVersionId(entry.VersionId, variantId) };
        }

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
        if (_state.LogThrottle.ShouldLog(Log.ResponseRejectedId, fetch.RequestHash, out var suppressed))
        {
            Log.ResponseRejected(_logger, _clientName, new LoggedUri(fetch.Uri), status, suppressed);
        }

        await BackOffAsync(fetch, null).ConfigureAwait(false);
        var detail = CacheStatus.Detail(NotStoredReason.Rejected);
        return FetchResult.Failure(response, snapshot, bodyRecord, CacheStatus.Forward(fetch.Fwd, status, stored: false, detail), status, detail);
    }

    private async Task<FetchResult> ValidateUnstorableAsync(
        Fetch fetch,
        Func<ResponseValidationContext, CancellationToken, ValueTask<bool>> check,
        HttpResponseMessage response,
        CacheControl directives,
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

        var snapshot = EntryFactory.Create(response, directives, body.Record, body.Length, requestTime, responseTime, fetch.Options, fetch.HasCredentials);
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
            var context = new ResponseValidationContext(_clientName, fetch.Uri, response, BodyRecord.Body(body.Record!));
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

    /// <summary>A copy of the caller's request for the origin, so that the shared request outlives any one caller.</summary>
    private static HttpRequestMessage CopyForOrigin(HttpRequestMessage request)
    {
        // Always a GET: a HEAD caller within stale-while-revalidate starts a revalidation of the stored GET response.
        var copy = new HttpRequestMessage(HttpMethod.Get, request.RequestUri)
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

            return HttpDate.TryParse(value, now, out var date) && date > now ? date : null;
        }

        return null;
    }

    /// <summary>
    /// Whether the response came from another URI than the one asked for: a redirect was followed below this handler
    /// (the redirect handler rewrites the request's URI). Such a response is not stored under the original URI.
    /// </summary>
    private static bool IsRedirected(Uri requestUri, HttpRequestMessage sent, HttpResponseMessage response) =>
        (response.RequestMessage ?? sent).RequestUri is { } finalUri && finalUri != requestUri;
}
