namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>
    /// The decision tree of one request: forward it as it is, serve it from the store (fresh, stale within a window,
    /// or while the origin holds off), answer <c>only-if-cached</c>, or go to the origin: directly for HEAD and the
    /// caller's own conditionals, through the coalescer otherwise.
    /// </summary>
    private async ValueTask<HttpResponseMessage> SendCachedAsync(HttpRequestMessage request, InnerSend inner, ThirdPartyCachingOptions options, CancellationToken cancellationToken)
    {
        var head = request.Method == HttpMethod.Head;
        if (request.Method != HttpMethod.Get && !head)
        {
            var forwarded = await ForwardUncachedAsync(request, inner, CacheStatus.FwdMethod, cancellationToken).ConfigureAwait(false);
            if (!IsSafe(request.Method) && (int)forwarded.StatusCode is >= 200 and < 400 && request.RequestUri is { IsAbsoluteUri: true } target)
            {
                // The origin carried out the request: the invalidation must happen whatever the caller does now, and the
                // caller gets the origin's response (each store call is still bounded by the store timeout).
                await InvalidateAfterUnsafeAsync(options, target, forwarded, CancellationToken.None).ConfigureAwait(false);
            }

            return forwarded;
        }

        // RFC 9111 §5.2.1.7: a request the cache would send on as it is, but that asks only for a stored response, gets
        // a 504 instead: it never reaches the origin.
        var requestDirectives = RequestDirectives(request);
        var onlyIfCached = requestDirectives.Has(CacheControlFlags.OnlyIfCached);

        // A GET with content (search APIs send one) is forwarded untouched: the key does not cover the content.
        if (request.RequestUri is not { IsAbsoluteUri: true } uri || request.Content is not null || HasUnsupportedRequestFields(request))
        {
            return onlyIfCached ? OnlyIfCachedMiss(request) : await ForwardUncachedAsync(request, inner, CacheStatus.FwdBypass, cancellationToken).ConfigureAwait(false);
        }

        if (requestDirectives.Has(CacheControlFlags.NoStore))
        {
            return onlyIfCached ? OnlyIfCachedMiss(request) : await ForwardUncachedAsync(request, inner, CacheStatus.FwdRequest, cancellationToken).ConfigureAwait(false);
        }

        // Range applies to GET only (RFC 9110 §14.2). Several ranges go to the origin as they are.
        var range = head ? ByteRange.None : ByteRange.Of(request);
        if (range.Kind == ByteRange.Kinds.Multiple)
        {
            return onlyIfCached ? OnlyIfCachedMiss(request) : await ForwardUncachedAsync(request, inner, CacheStatus.FwdBypass, cancellationToken).ConfigureAwait(false);
        }

        var store = Tier(options);
        var keys = Keys.Get(uri, options.KeyPrefix);
        var requestHash = keys.RequestHash;
        var entryKey = keys.EntryKey;
        // One store timeout in all for this request's reads and writes.
        // An in-process store answers at once and is never bounded, so a hit through it allocates no budget.
        var budget = store.Shared.InProcess ? StoreBudget.Unbounded : new StoreBudget(_time, options.StoreTimeout);
        // Taken before the read: an invalidation that comes after it may have removed what the read found.
        var invalidationsSeen = _invalidations.Current;
        var changesSeen = store.Shared.Coordination?.ChangesSeen() ?? 0;
        var invalidationsElsewhereSeen = store.Shared.Coordination?.InvalidationsSeen() ?? 0;
        var (stored, storedKey, readVary, readClean) = await ReadAsync(store, keys, request, budget, cancellationToken).ConfigureAwait(false);

        var fwd = CacheStatus.FwdUriMiss;
        var backoffSeen = false;
        Fetch NewFetch() => new(options, store, inner, uri, requestHash, entryKey, storedKey, requestDirectives, HasAuthorization(request), HasCredentials(request), stored, fwd)
        {
            InvalidationsSeen = invalidationsSeen,
            ChangesSeen = changesSeen,
            InvalidationsElsewhereSeen = invalidationsElsewhereSeen,
            Budget = budget,
            BackoffSeen = backoffSeen,
            ReadVary = readVary,
            ReadClean = readClean,
        };
        if (stored is { Entry: var entry } found)
        {
            var now = _time.GetUtcNow();
            var age = entry.CurrentAge(now);
            var reuse = Freshness.Evaluate(entry, age, options, requestDirectives);
            if (reuse.Usable)
            {
                Log.Hit(_logger, _clientName, new LoggedUri(uri));
                var form = Conditionals.NotModified(request, entry) ? ServedForm.NotModified : head ? ServedForm.Head : ServedForm.Full;
                return Serve(request, found, age, CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor), reuse.Stale ? HttpCachingDiagnostics.OutcomeStale : HttpCachingDiagnostics.OutcomeHit, form, range);
            }

            fwd = reuse.ForwardReason;
            var staleness = -reuse.TimeToLive;
            if (fwd == CacheStatus.FwdStale && Freshness.WithinStaleWhileRevalidate(entry, staleness, options))
            {
                // The origin asked not to be called before a time (its Retry-After, here or on another instance): the
                // stale response is served without a background request until then.
                var holdOff = await ReadBackoffAsync(store, keys, entry, budget, cancellationToken).ConfigureAwait(false);
                var holdUntil = holdOff > entry.RetryAfter ? holdOff.Value : entry.RetryAfter;
                if (holdUntil > now)
                {
                    return Serve(request, found, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailRetryAfter), HttpCachingDiagnostics.OutcomeStale, head ? ServedForm.Head : ServedForm.Full, range);
                }

                if (!onlyIfCached)
                {
                    // only-if-cached asks the cache not to go to the network at all: served as stored, no background request.
                    StartBackgroundRevalidation(NewFetch(), request);
                }

                return Serve(request, found, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailStaleWhileRevalidate), HttpCachingDiagnostics.OutcomeStale, head ? ServedForm.Head : ServedForm.Full, range);
            }

            if (fwd == CacheStatus.FwdStale && Freshness.WithinStaleIfError(entry, staleness, options))
            {
                var backoff = await ReadBackoffAsync(store, keys, entry, budget, cancellationToken).ConfigureAwait(false);
                backoffSeen = backoff is not null;
                var until = backoff > entry.RetryAfter ? backoff.Value : entry.RetryAfter;
                if (until > now)
                {
                    // The origin asked not to be called before then, or failed a moment ago: serve what is stored.
                    if (_logThrottle.ShouldLog(Log.HoldingOffId, requestHash, out var suppressed))
                    {
                        Log.HoldingOff(_logger, _clientName, new LoggedUri(uri), until - now, suppressed);
                    }

                    return Serve(request, found, age, CacheStatus.StaleHit(reuse.TimeToLive, CacheStatus.DetailRetryAfter), HttpCachingDiagnostics.OutcomeStale, head ? ServedForm.Head : ServedForm.Full, range);
                }
            }
        }

        if (onlyIfCached)
        {
            return OnlyIfCachedMiss(request);
        }

        if (range.Kind != ByteRange.Kinds.None)
        {
            // A range of a response the cache cannot serve as it is: the origin answers it, and nothing is stored (a 206
            // is never stored, nor shared with callers that want the whole response).
            return await ForwardUncachedAsync(request, inner, CacheStatus.FwdBypass, cancellationToken).ConfigureAwait(false);
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
            var (run, limit) = CollapsedRun(shared, request);
            (result, leader, original) = await _coalescer.RunAsync(storedKey, run, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The origin could not be reached, the shared request was given up, or this caller stopped waiting for it
            // (its own timeout): serve what is stored if RFC 5861 allows it.
            if (TryServeStaleOnError(request, options, stored, fwdStatus: null, CacheStatus.DetailOriginUnreachable, collapsed: false) is { } stale)
            {
                // A new kind of failure is news: the throttle keeps kinds apart.
                if (_logThrottle.ShouldLog(Log.ServedStaleOnErrorId, string.Concat(requestHash, "\n", ex.GetType().FullName), out var suppressed))
                {
                    Log.ServedStaleOnError(_logger, _clientName, new LoggedUri(uri), suppressed, ex);
                }

                return stale;
            }

            throw;
        }

        return await DeliverAsync(request, shared, result, leader, original, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An <c>only-if-cached</c> request with nothing the cache may serve it: a 504, reported as a miss.</summary>
    private HttpResponseMessage OnlyIfCachedMiss(HttpRequestMessage request)
    {
        Completed(HttpCachingDiagnostics.OutcomeMiss, CacheStatus.OnlyIfCached);
        return OnlyIfCachedResponse(request);
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
            && TryServeStaleOnError(request, fetch.Options, fetch.Stored, result.FailedStatus, result.FailureDetail!, collapsed: !leader) is { } stale)
        {
            original?.Dispose();
            if (_logThrottle.ShouldLog(Log.ServedStaleOnErrorId, fetch.RequestHash, out var suppressed))
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

        if (result.Snapshot is { } snapshot && (leader || MayServeFollower(request, fetch, result, snapshot.Entry)))
        {
            var cacheStatus = leader ? result.CacheStatus : CacheStatus.Collapsed(result.CacheStatus);
            return Serve(request, snapshot, snapshot.Entry.CurrentAge(_time.GetUtcNow()), cacheStatus, result.Outcome);
        }

        // The response could not be shared (streamed, not storable, an origin error, another variant, or one this caller
        // could not have been served from the store): this caller asks for its own, and falls back to the stored
        // response as any other request would.
        FetchResult own;
        try
        {
            own = await OriginRun(fetch, request)(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && TryServeStaleOnError(request, fetch.Options, fetch.Stored, fwdStatus: null, CacheStatus.DetailOriginUnreachable, collapsed: false) is { } fallback)
        {
            if (_logThrottle.ShouldLog(Log.ServedStaleOnErrorId, string.Concat(fetch.RequestHash, "\n", ex.GetType().FullName), out var suppressed))
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
    private bool MayServeFollower(HttpRequestMessage request, Fetch fetch, FetchResult result, CacheEntry entry)
    {
        if (!result.Shareable || (result.VaryNames is not null && Variants.Id(result.VaryNames, request) != result.VariantId))
        {
            return false;
        }

        // A leader that ran as a private cache, before a reload made this caller's options a shared cache's: its
        // response may be one user's (as the store read path checks too).
        if (IsPrivateForASharedCache(entry, fetch.Options))
        {
            return false;
        }

        // A response that varies, with no variant to compare with, is the leader's variant: callers that joined on the
        // URL's key (no Vary was known when they read) may select another one. Those that joined on a variant's key
        // select the leader's.
        if (result.VaryNames is null && fetch.EntryKey == fetch.PrimaryKey && CachedHeaders.Joined(entry.Headers, "Vary") is { Length: > 0 })
        {
            return false;
        }

        // This caller's fetch was made from its own request: its directives are this request's, parsed once.
        var reuse = Freshness.Evaluate(entry, entry.CurrentAge(_time.GetUtcNow()), fetch.Options, fetch.RequestDirectives);
        return reuse.Usable && !reuse.Stale;
    }

    private void StartBackgroundRevalidation(Fetch fetch, HttpRequestMessage request)
    {
        // A failed background request leaves the entry exactly as it was: no back-off is recorded.
        fetch.Background = true;
        fetch.Budget = StoreBudget.Unbounded;
        // The caller may dispose its request as soon as it has the stale response: prepare the copy now.
        var run = OriginRun(fetch, request);
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
                var (cache, uri, hash) = ((ClientCache, Uri, string))state!;
                if (task.Exception is { } exception)
                {
                    if (cache._logThrottle.ShouldLog(Log.BackgroundRevalidationFailedId, hash, out var suppressed))
                    {
                        Log.BackgroundRevalidationFailed(cache._logger, cache._clientName, new LoggedUri(uri), suppressed, exception.InnerException ?? exception);
                    }
                }
                else if (task.Result is { Failed: true } result
                    && cache._logThrottle.ShouldLog(Log.BackgroundRevalidationRefusedId, hash, out var suppressed))
                {
                    Log.BackgroundRevalidationRefused(cache._logger, cache._clientName, new LoggedUri(uri), result.FailedStatus!.Value, result.FailureDetail!, suppressed);
                }
            },
            (this, fetch.Uri, fetch.RequestHash),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The request's directives (RFC 9111 §5.2.1), with <c>Pragma: no-cache</c> when it has no <c>Cache-Control</c> (§5.4).</summary>
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
    /// The preconditions of state-changing requests (If-Match, If-Unmodified-Since) are forwarded untouched. A
    /// <c>Range</c> (with its <c>If-Range</c>) is answered from a stored complete response, or else forwarded untouched:
    /// a 206 never touches the stored full response.
    /// </summary>
    private static bool HasUnsupportedRequestFields(HttpRequestMessage request)
    {
        var headers = request.Headers.NonValidated;
        return headers.Contains("If-Match") || headers.Contains("If-Unmodified-Since");
    }

    private static bool HasAuthorization(HttpRequestMessage request) => request.Headers.NonValidated.Contains("Authorization");

    /// <summary>Whether the request carried credentials that can make its response personal.</summary>
    private static bool HasCredentials(HttpRequestMessage request) =>
        request.Headers.NonValidated.Contains("Authorization") || request.Headers.NonValidated.Contains("Cookie");

    /// <summary>RFC 9110 §9.2.1: methods that do not change state, and so invalidate nothing.</summary>
    private static bool IsSafe(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace;
}
