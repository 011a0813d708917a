using System.Net;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>A request the cache does not handle: sent on as it is, its response marked with why.</summary>
    private async Task<HttpResponseMessage> ForwardUncachedAsync(HttpRequestMessage request, InnerSend inner, string fwd, CancellationToken cancellationToken)
    {
        var response = await inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var cacheStatus = CacheStatus.Forward(fwd, (int)response.StatusCode);
        Completed(HttpCachingDiagnostics.OutcomeBypass, cacheStatus);
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
        return response;
    }

    /// <summary>
    /// Sends a HEAD request or the caller's own conditional GET as it is. A 304 or a HEAD response that names the stored
    /// representation refreshes its metadata (RFC 9111 §4.3.4, §4.3.5); a HEAD response that names another one makes
    /// it unusable; a full response is stored as usual.
    /// </summary>
    private async Task<HttpResponseMessage> ForwardDirectAsync(HttpRequestMessage request, Fetch fetch, bool head, CancellationToken cancellationToken)
    {
        var requestTime = _time.GetUtcNow();
        var response = await fetch.Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var responseTime = _time.GetUtcNow();
        fetch.Sent(request, response);
        NoteCredentialsBelow(fetch);
        var status = (int)response.StatusCode;

        if (head || response.StatusCode == HttpStatusCode.NotModified)
        {
            var cacheStatus = CacheStatus.Forward(fetch.Fwd, status);
            if (fetch.Stored is { Entry: var stale } && Updated(fetch, stale, response, head, requestTime, responseTime) is { } updated
                && ((updated.Flags & CacheControlFlags.MarkedStale) != 0
                    || MayRewrite(fetch, await ReadAgainAsync(fetch, updated, request, sentValidators: false, requestTime, CancellationToken.None).ConfigureAwait(false))))
            {
                // The response is the caller's already: what it says is kept whatever the caller does now (unless the
                // answer was overtaken by a newer version another instance stored meanwhile, or the stored response
                // was removed meanwhile).
                await ApplyUpdateAsync(fetch, updated, status, CancellationToken.None).ConfigureAwait(false);
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
    /// The origin request to run for <paramref name="fetch"/>, on the chain of the caller that made it; it copies the
    /// caller's request when it starts, so that a request shared by several callers outlives any one of them.
    /// </summary>
    private Func<CancellationToken, Task<FetchResult>> OriginRun(Fetch fetch, HttpRequestMessage request) =>
        cancellationToken => FetchAsync(fetch, CopyForOrigin(request), cancellationToken);

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
        var stale = fetch.Stored;
        var conditional = stale is { Entry: var validated } && (validated.ETag is not null || validated.LastModified is not null);
        if (conditional)
        {
            AddValidators(originRequest, stale!.Value.Entry);
        }

        var requestTime = _time.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            response = await SendToOriginAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (stale is not null
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
            var revalidating = stale!.Value;
            var refreshed = Updated(fetch, revalidating.Entry, response, head: false, requestTime, responseTime, askedWithStoredValidators: true);
            response.Dispose();
            if (refreshed is not null)
            {
                var cacheStatus = CacheStatus.Forward(fetch.Fwd, 304);
                var snapshot = revalidating with { Entry = refreshed };
                var now = await ReadAgainAsync(fetch, refreshed, originRequest, sentValidators: true, requestTime, cancellationToken).ConfigureAwait(false);
                if (now == StoredMeanwhile.Newer)
                {
                    // A newer version was stored while the origin answered, which the refreshed older one must not
                    // replace. This caller gets what the 304 said; those that joined it too, unless the 304 is one this
                    // cache must not keep or share (then they ask themselves).
                    var superseded = CacheStatus.Forward(fetch.Fwd, 304, detail: CacheStatus.Detail(NotStoredReason.Superseded));
                    return CachePolicy.CheckUpdated(revalidating.Entry, refreshed, options, fetch.HasAuthorization) == NotStoredReason.None
                        ? FetchResult.Success(null, snapshot, superseded, HttpCachingDiagnostics.OutcomeRevalidated)
                        : FetchResult.Unshared(null, snapshot, superseded, HttpCachingDiagnostics.OutcomeRevalidated);
                }

                if (!MayRewrite(fetch, now))
                {
                    // The stored response was removed while the origin answered (an invalidation, here or on another
                    // instance): written back, it would be fresh again after the URL was invalidated. This caller, whose
                    // request came first, gets what the 304 said; those that joined it ask again themselves. This
                    // instance's copies go (a removal still pending here stays).
                    fetch.Store.Forget(fetch.EntryKey);
                    fetch.Store.Forget(fetch.PrimaryKey);
                    var removed = CacheStatus.Forward(fetch.Fwd, 304, detail: CacheStatus.Detail(NotStoredReason.Removed));
                    return FetchResult.Unshared(null, snapshot, removed, HttpCachingDiagnostics.OutcomeRevalidated);
                }

                var outcome = await ApplyUpdateAsync(fetch, refreshed, 304, cancellationToken).ConfigureAwait(false);
                if (outcome == UpdateOutcome.Removed)
                {
                    // The URL was invalidated as the entry was written: as above, this caller only.
                    var removed = CacheStatus.Forward(fetch.Fwd, 304, detail: CacheStatus.Detail(NotStoredReason.Removed));
                    return FetchResult.Unshared(null, snapshot, removed, HttpCachingDiagnostics.OutcomeRevalidated);
                }

                if (outcome is UpdateOutcome.MustNotKeep or UpdateOutcome.NotShared)
                {
                    // The 304 made the response one this cache must not keep or share: this caller gets it, the others
                    // ask themselves.
                    return FetchResult.Unshared(null, snapshot, cacheStatus, HttpCachingDiagnostics.OutcomeRevalidated);
                }

                Log.Revalidated(_logger, _clientName, new LoggedUri(fetch.Uri));
                var revalidated = FetchResult.Success(null, snapshot, cacheStatus, HttpCachingDiagnostics.OutcomeRevalidated);
                await ClearBackoffAsync(fetch, revalidated).ConfigureAwait(false);
                return revalidated;
            }

            // The 304 names a representation other than the stored one: ask for the full response instead.
            RemoveValidators(originRequest);
            requestTime = _time.GetUtcNow();
            response = await SendToOriginAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false);
            responseTime = _time.GetUtcNow();
            redirected = IsRedirected(fetch.Uri, originRequest, response);
        }

        var status = (int)response.StatusCode;
        if (Freshness.IsOriginError(status) && stale is not null)
        {
            return await OriginFailedAsync(fetch, response, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        }

        var stored = await StoreAsync(fetch, originRequest, conditional, response, redirected, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
        await ClearBackoffAsync(fetch, stored).ConfigureAwait(false);
        return stored;
    }

    /// <summary>
    /// Whether a 304 or a HEAD response may rewrite the stored response it refreshed, given what the store holds now:
    /// not over a newer one, and not when the entry is gone (removed while the origin answered: rewriting it would
    /// undo the invalidation), unless this instance holds it pending because the store never took it. A store that
    /// could not be read leaves the write to try, as before. Never after another instance announced an invalidation of
    /// the URL since the request started.
    /// </summary>
    private static bool MayRewrite(Fetch fetch, StoredMeanwhile now) =>
        !InvalidatedElsewhere(fetch)
        && (now is StoredMeanwhile.NotNewer or StoredMeanwhile.Unread
            || (now == StoredMeanwhile.Nothing && fetch.Store.IsPending(fetch.EntryKey)));

    /// <summary>
    /// What a 304, or a response to a HEAD request, says of the stored response (RFC 9111 §3.2, §4.3.4, §4.3.5): the
    /// stored response with the update's fields, one marked stale when a HEAD response describes another
    /// representation, or <see langword="null"/> when a 304 selects another representation or a HEAD response is no
    /// 200. Revalidations, HEAD requests and the caller's own conditionals all merge here.
    /// </summary>
    private static CacheEntry? Updated(Fetch fetch, CacheEntry stored, HttpResponseMessage update, bool head, DateTimeOffset requestTime, DateTimeOffset responseTime, bool askedWithStoredValidators = false) =>
        head
            ? EntryFactory.RefreshFromHead(stored, update, requestTime, responseTime, fetch.Options, fetch.HasCredentials)
            : EntryFactory.Refresh(stored, update, requestTime, responseTime, fetch.Options, fetch.HasCredentials, askedWithStoredValidators);

    /// <summary>
    /// The one place that keeps what a 304 or a HEAD response did to a stored response (<see cref="Updated"/>), for
    /// revalidations, HEAD requests and the caller's own conditionals alike. A response a HEAD response showed to be
    /// outdated is dropped from this instance, and from the store if the store still holds that same version (one
    /// another instance stored since is left alone); nothing is ever written back. Otherwise the updated response is
    /// checked again, since the update's fields now rule it: one that may no longer be stored (<c>no-store</c>,
    /// <c>private</c> in a shared cache) is removed. Otherwise the entry is rewritten and the body is only kept alive,
    /// never rewritten.
    /// </summary>
    private async Task<UpdateOutcome> ApplyUpdateAsync(Fetch fetch, CacheEntry updated, int status, CancellationToken cancellationToken)
    {
        if ((updated.Flags & CacheControlFlags.MarkedStale) != 0)
        {
            fetch.Store.Forget(fetch.EntryKey);
            if (await fetch.Store.ReadSharedAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false) is { } current
                && CacheEntrySerializer.TryDeserialize(current.Data) is { } currentEntry
                && string.Equals(currentEntry.VersionId, updated.VersionId, StringComparison.Ordinal))
            {
                await fetch.Store.RemoveAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false);
            }

            return UpdateOutcome.Outdated;
        }

        var reason = CachePolicy.CheckUpdated(fetch.Stored?.Entry ?? updated, updated, fetch.Options, fetch.HasAuthorization);
        if (reason != NotStoredReason.None)
        {
            Log.NotStored(_logger, _clientName, new LoggedUri(fetch.Uri), status, CacheStatus.Detail(reason));
            if (reason == NotStoredReason.Authorization)
            {
                return UpdateOutcome.NotShared;
            }

            await fetch.Store.RemoveAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false);
            return UpdateOutcome.MustNotKeep;
        }

        var bodyKey = CacheKeyBuilder.BodyKey(fetch.Options.KeyPrefix, _clientName, fetch.RequestHash, updated.VersionId);
        if (!await fetch.Store.RefreshAsync(bodyKey, cancellationToken, fetch.Budget).ConfigureAwait(false))
        {
            // The body is not in the store (its write failed, and it is pending here): the refreshed entry is kept here
            // with it, so this instance serves what the 304 said instead of asking the origin each time. A refresh that
            // only ran out of budget, with the body in the store, keeps nothing: the next read goes to the store.
            if (fetch.Store.IsPending(bodyKey))
            {
                KeepEntryPending(fetch, updated);
            }

            return UpdateOutcome.WriteFailed;
        }

        // Written (or tried), but the URL was invalidated meanwhile, here or on another instance: gone again.
        var written = await WriteEntryAsync(fetch, updated, cancellationToken).ConfigureAwait(false);
        return !await KeptAfterWriteAsync(fetch).ConfigureAwait(false) ? UpdateOutcome.Removed
            : written ? UpdateOutcome.Stored
            : UpdateOutcome.WriteFailed;
    }

    /// <summary>
    /// Sends the shared request to the origin. It returns as soon as the request's token is cancelled (every caller
    /// gave up, or OriginTimeout passed), even if the origin call does not honour it; a response that comes after that
    /// is disposed, never stored: a request given up must not write what it learned over what a later one stored.
    /// The credentials the request went out with are noted on the fetch (<see cref="Fetch.Sent"/>).
    /// </summary>
    private async Task<HttpResponseMessage> SendToOriginAsync(Fetch fetch, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sending = fetch.Inner.SendAsync(request, cancellationToken);
        try
        {
            var response = await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                response.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            fetch.Sent(request, response);
            NoteCredentialsBelow(fetch);
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
    /// is remembered, and the result lets each caller fall back to the stored response.
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
            return FetchResult.Failure(response, null, cacheStatus, status, detail);
        }

        _metrics.OriginBytes(_clientName, body.Length);
        var snapshot = EntryFactory.Create(response, body.Record, body.Length, requestTime, responseTime, fetch.Options, fetch.HasCredentials);
        response.Content = CreateContent(body.Record, snapshot);
        return FetchResult.Failure(response, new StoredResponse(snapshot, body.Record), cacheStatus, status, detail);
    }

    /// <summary>
    /// Records that the origin is not to be called before <paramref name="until"/> (its Retry-After), or for
    /// <see cref="ThirdPartyCachingOptions.OriginBackoff"/>, so every instance sharing the store serves the stored
    /// response meanwhile.
    /// </summary>
    private async Task BackOffAsync(Fetch fetch, DateTimeOffset? until)
    {
        // A background revalidation records the origin's own Retry-After (under stale-while-revalidate it is often the
        // only request that reaches the origin), not a back-off of its own after a plain failure.
        if ((fetch.Background && until is null) || fetch.Stored is null || (until is null && fetch.Options.OriginBackoff <= TimeSpan.Zero))
        {
            return;
        }

        // Not the callers' token: the back-off must be recorded even when they have all given up. It goes in a record of
        // its own: rewriting the entry from this instance's view could replace a newer version another instance stored.
        var retryAfter = until ?? SaturatingTime.Add(_time.GetUtcNow(), fetch.Options.OriginBackoff, TimeSpan.Zero);
        var window = retryAfter - _time.GetUtcNow();
        if (window > TimeSpan.Zero)
        {
            await fetch.Store.SetAsync(fetch.BackoffKey, new HeldRecord(BackoffRecord.Serialize(retryAfter, _time.GetUtcNow())), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, CancellationToken.None, fetch.Budget)
                .ConfigureAwait(false);
        }
    }

    /// <summary>The origin answered well again: a back-off this request found is over for every instance.</summary>
    private static async ValueTask ClearBackoffAsync(Fetch fetch, FetchResult result)
    {
        if (fetch.BackoffSeen && !result.Failed)
        {
            await fetch.Store.RemoveAsync(fetch.BackoffKey, CancellationToken.None).ConfigureAwait(false);
        }
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
            // The cache asks for the whole response, even for a caller that wants a range of it (served from the stored
            // response while it is revalidated in the background), and on its own conditions only: a caller's
            // validators (a conditional request within stale-while-revalidate starts a revalidation too) would make
            // the origin's 304 speak of the caller's representation. (Requests with preconditions, If-Match and
            // If-Unmodified-Since, never get here: they are forwarded untouched.)
            if (!IsCallerOnly(name))
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }
        }

        var copyOptions = (IDictionary<string, object?>)copy.Options;
        foreach (var (key, value) in request.Options)
        {
            copyOptions[key] = value;
        }

        return copy;
    }

    private static bool IsCallerOnly(string name) =>
        name.Equals("Range", StringComparison.OrdinalIgnoreCase)
        || name.Equals("If-Range", StringComparison.OrdinalIgnoreCase)
        || name.Equals("If-None-Match", StringComparison.OrdinalIgnoreCase)
        || name.Equals("If-Modified-Since", StringComparison.OrdinalIgnoreCase);

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
                // Saturating: a clock far ahead with a Retry-After of years must not throw (no request fails over it).
                return SaturatingTime.Add(now, TimeSpan.FromSeconds(seconds), TimeSpan.Zero);
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
