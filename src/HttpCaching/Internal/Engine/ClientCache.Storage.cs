using System.Net;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>What a <c>Date</c> may be off by (whole seconds, and origin servers' clocks) in <see cref="StoredNowAsync"/>.</summary>
    internal static readonly TimeSpan DateSlack = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stores a full response when RFC 9111 allows it: the body version, then the entry (under the variant the request
    /// selects when the response varies, with the Vary record under the URL's key). The response's <c>Cache-Control</c>
    /// (or the targeted field that rules instead, RFC 9213) is parsed here once, for the storability check, the record limits and the entry.
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
        var directives = TargetedCacheControl.Of(response.Headers, options);
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
                && fetch.Stored is not null)
            {
                // Not storable, but a stored version exists: a body the client would refuse must not replace it.
                return await ValidateUnstorableAsync(fetch, check, response, directives, reason, requestTime, responseTime, cancellationToken).ConfigureAwait(false);
            }

            await RemoveOlderForUnstorableAsync(fetch, response, reason).ConfigureAwait(false);
            return NotStored(fetch, response, reason, response.Content.Headers.ContentLength ?? 0);
        }

        var body = await BodyReader.ReadAsync(response.Content, options.MaxBodySize, cancellationToken).ConfigureAwait(false);
        if (body.Record is null)
        {
            // Too large after all, or shorter than announced: hand back what was read, followed by the rest.
            response.Content = body.Replacement!;
            await RemoveOlderForUnstorableAsync(fetch, response, body.Reason).ConfigureAwait(false);
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

        if (options.ValidateResponse is { } validate && !await IsAcceptedAsync(validate, fetch, response, body.Record, cancellationToken).ConfigureAwait(false))
        {
            return await RejectedAsync(fetch, response, new StoredResponse(entry, body.Record)).ConfigureAwait(false);
        }

        var varyNames = Variants.Names(response);
        var variantId = varyNames is null ? null : Variants.Id(varyNames, sent, sentValidators);
        if (variantId is not null)
        {
            // Each variant has body versions of its own: two variants with the same entity tag must not share bytes.
            entry = entry with { VersionId = CacheKeyBuilder.VariantVersionId(entry.VersionId, variantId) };
        }

        var snapshot = new StoredResponse(entry, body.Record);

        // Only a change announced before the store is read again says what an empty store means: one announced after
        // it is most likely another instance's write of the same answer, which that read came too early to see.
        var changedBeforeRead = ChangedElsewhere(fetch);
        var meanwhile = await ReadAgainAsync(fetch, entry, sent, sentValidators, requestTime, cancellationToken).ConfigureAwait(false);
        if ((meanwhile == StoredMeanwhile.Nothing && fetch.Stored is not null && !fetch.Store.IsPending(fetch.EntryKey))
            || _invalidations.Since(fetch.PrimaryKey, fetch.InvalidationsSeen)
            || InvalidatedElsewhere(fetch)
            || (meanwhile is StoredMeanwhile.Nothing or StoredMeanwhile.Unread && changedBeforeRead))
        {
            // The stored response the request read was removed while the origin answered (an invalidation, here or on
            // another instance), or the URL was invalidated since the request started, by this instance or, as its
            // message said, by another one (a cold miss has no stored response to show it): this answer may predate the
            // change that invalidated it, and written now it would undo the invalidation, as a 304 would (MayRewrite).
            // This caller, whose request came first, gets it; those that joined it ask again themselves, and the next
            // request stores what the origin holds then.
            fetch.Store.Forget(fetch.EntryKey);
            fetch.Store.Forget(fetch.PrimaryKey);
            var removed = CacheStatus.Forward(fetch.Fwd, status, stored: false, CacheStatus.Detail(NotStoredReason.Removed));
            return FetchResult.Unshared(response, snapshot, removed, HttpCachingDiagnostics.OutcomeMiss);
        }

        if (meanwhile == StoredMeanwhile.Newer)
        {
            // Another instance (or a no-cache request) stored a newer version while the origin answered. Written
            // over it, this older one would be served after the newer one was.
            var superseded = CacheStatus.Forward(fetch.Fwd, status, stored: false, CacheStatus.Detail(NotStoredReason.Superseded));
            return FetchResult.Success(response, snapshot, superseded, HttpCachingDiagnostics.OutcomeMiss, varyNames, variantId);
        }

        var stored = await WriteAsync(fetch, snapshot, varyNames, variantId, cancellationToken).ConfigureAwait(false);
        if (!await KeptAfterWriteAsync(fetch).ConfigureAwait(false))
        {
            // The URL was invalidated (here or on another instance) while the records were written: they went again,
            // even when the store did not answer in time, since a write that timed out may still have landed.
            var removed = CacheStatus.Forward(fetch.Fwd, status, stored: false, CacheStatus.Detail(NotStoredReason.Removed));
            return FetchResult.Unshared(response, snapshot, removed, HttpCachingDiagnostics.OutcomeMiss);
        }

        if (stored)
        {
            Log.Stored(_logger, _clientName, new LoggedUri(fetch.Uri), status, body.Length);
        }
        else if (fetch.Stored is { } older && !string.Equals(older.Entry.VersionId, entry.VersionId, StringComparison.Ordinal))
        {
            // The store did not take the new version but holds the older one this request read: it must not be served
            // after the newer one was.
            await RemoveOlderAsync(fetch, older.Entry).ConfigureAwait(false);
        }

        var cacheStatus = CacheStatus.Forward(fetch.Fwd, status, stored, stored ? null : CacheStatus.Detail(NotStoredReason.StoreFailed));
        return FetchResult.Success(response, snapshot, cacheStatus, HttpCachingDiagnostics.OutcomeMiss, varyNames, variantId);
    }

    /// <summary>
    /// Whether another instance announced a change of the URL's entry record since the request started. When the store
    /// holds nothing for it now (or cannot say), that change was a removal, or a write that is gone again: either way,
    /// the answer is not to be written.
    /// </summary>
    private static bool ChangedElsewhere(Fetch fetch) =>
        fetch.Store.Shared.Coordination is { } coordination && coordination.Changes.Since(fetch.PrimaryKey, fetch.ChangesSeen);

    /// <summary>Whether another instance announced an invalidation of the URL since the request started.</summary>
    private static bool InvalidatedElsewhere(Fetch fetch) =>
        fetch.Store.Shared.Coordination is { } coordination && coordination.Invalidations.Since(fetch.PrimaryKey, fetch.InvalidationsElsewhereSeen);

    /// <summary>
    /// After this request wrote (or tried to write) the URL's entry (or Vary) record: when the URL was invalidated since
    /// the request started, by this instance or, as its message said, by another one, the write may have landed after
    /// that removal, and the URL's record goes again (<see langword="false"/>). Otherwise, with the backplane on, the
    /// write is noted first (<see cref="StoreCoordination.Wrote"/>), so that an invalidation another instance announces
    /// a moment later removes it again: its message can come after the write that undid it. Noted whatever became of
    /// the write, since one that timed out may still land, and when it was done, since a slow write may land well after
    /// it began. The note is a full fence before the check: a message that comes meanwhile is seen by the check or
    /// finds the note.
    /// </summary>
    private async ValueTask<bool> KeptAfterWriteAsync(Fetch fetch)
    {
        if (fetch.Store.Shared.Coordination is { Backplane: true } coordination)
        {
            coordination.Wrote(fetch.PrimaryKey, fetch.Store);
        }

        if (!_invalidations.Since(fetch.PrimaryKey, fetch.InvalidationsSeen) && !InvalidatedElsewhere(fetch))
        {
            return true;
        }

        // The URL's record: the variants under it become unreachable with it.
        fetch.Store.Forget(fetch.EntryKey);
        await fetch.Store.RemoveAsync(fetch.PrimaryKey, CancellationToken.None).ConfigureAwait(false);
        return false;
    }

    /// <summary>A response the client's check refused: never stored, and the origin is left alone for a while.</summary>
    private async Task<FetchResult> RejectedAsync(Fetch fetch, HttpResponseMessage response, StoredResponse snapshot)
    {
        var status = (int)response.StatusCode;
        if (_logThrottle.ShouldLog(Log.ResponseRejectedId, fetch.RequestHash, out var suppressed))
        {
            Log.ResponseRejected(_logger, _clientName, new LoggedUri(fetch.Uri), status, suppressed);
        }

        await BackOffAsync(fetch, null).ConfigureAwait(false);
        var detail = CacheStatus.Detail(NotStoredReason.Rejected);
        return FetchResult.Failure(response, snapshot, CacheStatus.Forward(fetch.Fwd, status, stored: false, detail), status, detail);
    }

    /// <summary>
    /// A success this cache may not store while it holds a stored version: the body is read and checked by
    /// <see cref="ThirdPartyCachingOptions.ValidateResponse"/>, so one the client would refuse falls back to what is stored.
    /// </summary>
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
            await RemoveOlderForUnstorableAsync(fetch, response, body.Reason).ConfigureAwait(false);
            return NotStored(fetch, response, body.Reason, body.Length);
        }

        var snapshot = EntryFactory.Create(response, directives, body.Record, body.Length, requestTime, responseTime, fetch.Options, fetch.HasCredentials);
        response.Content = CreateContent(body.Record, snapshot);
        if (!await IsAcceptedAsync(check, fetch, response, body.Record, cancellationToken).ConfigureAwait(false))
        {
            _metrics.OriginBytes(_clientName, body.Length);
            return await RejectedAsync(fetch, response, new StoredResponse(snapshot, body.Record)).ConfigureAwait(false);
        }

        await RemoveOlderForUnstorableAsync(fetch, response, reason).ConfigureAwait(false);
        return NotStored(fetch, response, reason, body.Length);
    }

    /// <summary>Asks the client's <see cref="ThirdPartyCachingOptions.ValidateResponse"/>; a check that throws refuses the response.</summary>
    private async Task<bool> IsAcceptedAsync(
        Func<ResponseValidationContext, CancellationToken, ValueTask<bool>> validate,
        Fetch fetch,
        HttpResponseMessage response,
        byte[] bodyRecord,
        CancellationToken cancellationToken)
    {
        try
        {
            var context = new ResponseValidationContext(_clientName, fetch.Uri, response, BodyRecord.Body(bodyRecord));
            return await validate(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ValidationFailed(_logger, _clientName, new LoggedUri(fetch.Uri), ex);
            return false;
        }
    }

    /// <summary>
    /// A full <c>200</c> the cache may not store (<c>no-store</c>, too large, <c>Vary: *</c>, beyond the record limits),
    /// to a request that read a stored response of another version (the two do not carry the same <c>ETag</c>): the older
    /// one must not be served after this newer one was, so it is removed from the store, as Varnish's hit-for-miss object
    /// hides it. Not when the request carried credentials (<c>Authorization</c>,
    /// <c>Cookie</c>), whose response may be one user's rather than a new version, nor for another status, a redirect
    /// followed below the cache or a body cut short, which are no new representation of the URL.
    /// </summary>
    private ValueTask RemoveOlderForUnstorableAsync(Fetch fetch, HttpResponseMessage response, NotStoredReason reason)
    {
        if (fetch.Stored is not { Entry: var older }
            || response.StatusCode != HttpStatusCode.OK
            || fetch.HasCredentials
            || reason is not (NotStoredReason.NoStore or NotStoredReason.TooLarge or NotStoredReason.Vary or NotStoredReason.ExceedsRecordLimits)
            || (older.ETag is { } stored
                && response.Headers.NonValidated.TryGetValues("ETag", out var etags)
                && string.Equals(etags.ToString().Trim(), stored.Trim(), StringComparison.Ordinal)))
        {
            return ValueTask.CompletedTask;
        }

        return RemoveOlderAsync(fetch, older);
    }

    /// <summary>
    /// Removes the older entry <paramref name="older"/> the request read from the store, if the store still holds that
    /// version: a newer one another instance stored since is left alone.
    /// </summary>
    private ValueTask RemoveOlderAsync(Fetch fetch, CacheEntry older) =>
        fetch.Store.RemoveSupersededAsync(fetch.EntryKey, OlderVersions.Of(fetch.Options.KeyPrefix, _clientName, fetch.RequestHash, older.VersionId), fetch.Budget);

    private FetchResult NotStored(Fetch fetch, HttpResponseMessage response, NotStoredReason reason, long originBytes)
    {
        Log.NotStored(_logger, _clientName, new LoggedUri(fetch.Uri), (int)response.StatusCode, CacheStatus.Detail(reason));
        _metrics.OriginBytes(_clientName, originBytes);
        var cacheStatus = CacheStatus.Forward(fetch.Fwd, (int)response.StatusCode, stored: false, CacheStatus.Detail(reason));
        return FetchResult.Success(response, null, cacheStatus, HttpCachingDiagnostics.OutcomeMiss);
    }

    /// <summary>
    /// What the shared store holds now for the request's key (<see cref="StoredNowAsync"/>), read after the origin
    /// answered and before the response is written. Every origin request is checked, however quick: <c>Date</c> counts
    /// whole seconds, so a request of a few milliseconds that spans the turn of a second at the origin can be overtaken
    /// by a response dated a second later. Not when the request's own read found a damaged record (<see cref="Fetch.ReadClean"/>):
    /// it is not reported twice. A store whose first read failed is read again (within the request's budget; an open
    /// breaker skips it): a blip then says nothing of what another instance stored while the origin answered. When a newer response is there,
    /// this instance's own copies of the URL's records are dropped too, so that its next read finds the newer one
    /// rather than a copy older than what it just served.
    /// </summary>
    private async ValueTask<StoredMeanwhile> ReadAgainAsync(Fetch fetch, CacheEntry entry, HttpRequestMessage sent, bool sentValidators, DateTimeOffset requestTime, CancellationToken cancellationToken)
    {
        if (!fetch.ReadClean)
        {
            return StoredMeanwhile.Unread;
        }

        var took = _time.GetUtcNow() - requestTime;
        var now = await StoredNowAsync(fetch, entry, sent, sentValidators, took, cancellationToken).ConfigureAwait(false);
        if (now == StoredMeanwhile.Newer)
        {
            fetch.Store.Forget(fetch.EntryKey);
            fetch.Store.Forget(fetch.PrimaryKey);
        }

        return now;
    }

    /// <summary>
    /// What the shared store holds now for the variant <paramref name="sent"/> selects (under the Vary record stored
    /// now, whatever the response's own Vary says), compared with <paramref name="entry"/>. A response that is not what
    /// the request read and whose <c>Date</c> is later is <see cref="StoredMeanwhile.Newer"/> (RFC 9111 §4: the most
    /// recent response, as determined by <c>Date</c>): another version, or the same one refreshed by a later 304. Equal
    /// dates (one-second resolution) are not newer. A stored response can only be newer if the origin dated it while
    /// this request was under way: a <c>Date</c> later than that (<paramref name="took"/> after this response's, with
    /// <see cref="DateSlack"/>) comes from a clock that is off, or from an origin that means to keep its response in
    /// place, and does not count.
    /// </summary>
    private async ValueTask<StoredMeanwhile> StoredNowAsync(Fetch fetch, CacheEntry entry, HttpRequestMessage sent, bool sentValidators, TimeSpan took, CancellationToken cancellationToken)
    {
        var store = fetch.Store;
        if (store.IsRemovalPending(fetch.PrimaryKey) || store.IsRemovalPending(fetch.EntryKey))
        {
            // Invalidated here while the origin answered, and the store has not taken the removal yet: what it still holds
            // is what was removed.
            return StoredMeanwhile.Nothing;
        }

        // Within what the request's store budget has left, without using it up: the writes keep the time they had.
        var prefix = fetch.Options.KeyPrefix;
        var (record, read) = await store.TryReadSharedAsync(fetch.PrimaryKey, cancellationToken, fetch.Budget, charge: false).ConfigureAwait(false);
        if (read && record is { Data: var varyRecord } && Variants.IsVaryRecord(varyRecord))
        {
            (record, read) = Variants.TryRead(varyRecord, out var names, out var generation)
                ? await store.TryReadSharedAsync(CacheKeyBuilder.VariantKey(prefix, _clientName, fetch.RequestHash, generation, Variants.Id(names, sent, sentValidators)), cancellationToken, fetch.Budget, charge: false).ConfigureAwait(false)
                : (null, true);
        }

        if (!read)
        {
            return StoredMeanwhile.Unread;
        }

        if (record is null || DecodedEntryCache.Get(record, prefix, _clientName, fetch.RequestHash) is not { Entry: var current })
        {
            return StoredMeanwhile.Nothing;
        }

        if (fetch.Stored is { Entry: var readBefore }
            && string.Equals(current.VersionId, readBefore.VersionId, StringComparison.Ordinal)
            && current.ResponseTime == readBefore.ResponseTime)
        {
            // What the request read itself: nothing was stored meanwhile.
            return StoredMeanwhile.NotNewer;
        }

        var (theirs, ours) = (OriginDate(current), OriginDate(entry));
        return theirs > ours && theirs <= ours + took + DateSlack ? StoredMeanwhile.Newer : StoredMeanwhile.NotNewer;
    }

    /// <summary>When the origin dated a stored response (its <c>Date</c>), or, without one, when it was received.</summary>
    private static DateTimeOffset OriginDate(CacheEntry entry) =>
        HttpDate.TryParse(CachedHeaders.First(entry.Headers, "Date"), out var date) ? date : entry.ResponseTime;

    /// <summary>Writes a response that is to be stored; says whether the store took every record of it.</summary>
    private async Task<bool> WriteAsync(Fetch fetch, StoredResponse response, string[]? varyNames, string? variantId, CancellationToken cancellationToken)
    {
        var (entry, bodyRecord) = response;
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
        var written = await store.SetAsync(bodyKey, HeldRecord.Built(bodyRecord), new DistributedCacheEntryOptions { SlidingExpiration = window }, bodyVersion: true, cancellationToken, fetch.Budget).ConfigureAwait(false);

        // Once a write has failed, the records after it are kept in this instance's memory only (pending), never in the
        // store, which would then hold an entry without its body; this instance still serves the version it fetched.
        async ValueTask<bool> PutAsync(string key, HeldRecord record)
        {
            if (written)
            {
                return written = await store.SetAsync(key, record, expiry, bodyVersion: false, cancellationToken, fetch.Budget).ConfigureAwait(false);
            }

            store.KeepPending(key, record, expiry);
            return false;
        }

        if (varyNames is null)
        {
            return await PutAsync(fetch.PrimaryKey, DecodedEntryCache.Encode(entry, options.KeyPrefix, _clientName, fetch.RequestHash)).ConfigureAwait(false);
        }

        // A response that varies: the variant's entry, then the Vary record that leads to it.
        // The variants of one Vary record share its generation; a record with other names, or none (the URL was
        // invalidated), starts a new one, so no variant stored before it is ever matched again.
        var generation = fetch.ReadVary is { } read && read.Names.AsSpan().SequenceEqual(varyNames) && await StillCurrentAsync(fetch, read, cancellationToken).ConfigureAwait(false)
            ? read.Generation
            : Variants.NewGeneration();
        var variantKey = CacheKeyBuilder.VariantKey(options.KeyPrefix, _clientName, fetch.RequestHash, generation, variantId!);
        await PutAsync(variantKey, DecodedEntryCache.Encode(entry, options.KeyPrefix, _clientName, fetch.RequestHash)).ConfigureAwait(false);
        return await PutAsync(fetch.PrimaryKey, new HeldRecord(Variants.Serialize(varyNames, generation))).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the URL's Vary record is still the one the request read before it went to the origin. An invalidation
    /// meanwhile (here or on another instance) removed it; writing it back would make every variant stored under its
    /// generation reachable again, however old. Read again just before the write from the shared store (from memory only
    /// when the store cannot be read).
    /// </summary>
    private static async ValueTask<bool> StillCurrentAsync(Fetch fetch, VaryRecord read, CancellationToken cancellationToken)
    {
        // The shared store's copy, not this instance's: another instance may have removed the record within this one's
        // near-cache window (without a backplane, or with a message lost). Only when the store cannot be read does the
        // copy in memory stand in for it. A removal still pending here (the store refused it) leaves the record removed.
        if (fetch.Store.IsRemovalPending(fetch.PrimaryKey))
        {
            return false;
        }

        var (record, answered) = await fetch.Store.TryReadSharedAsync(fetch.PrimaryKey, cancellationToken, fetch.Budget, charge: false).ConfigureAwait(false);
        if (!answered)
        {
            record = fetch.Store.GetFromMemory(fetch.PrimaryKey);
        }

        return record is not null
            && Variants.IsVaryRecord(record.Data)
            && Variants.TryRead(record.Data, out var names, out var generation)
            && string.Equals(generation, read.Generation, StringComparison.Ordinal)
            && names.AsSpan().SequenceEqual(read.Names);
    }

    /// <summary>Keeps an updated entry in this instance's memory only, pending, for as long as it may be used.</summary>
    private void KeepEntryPending(Fetch fetch, CacheEntry entry)
    {
        var window = EntryFactory.ExpiresAt(entry, fetch.Options) - _time.GetUtcNow();
        if (window > TimeSpan.Zero && RecordLimits.Fits(entry))
        {
            fetch.Store.KeepPending(
                fetch.EntryKey,
                DecodedEntryCache.Encode(entry, fetch.Options.KeyPrefix, _clientName, fetch.RequestHash),
                new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window });
        }
    }

    /// <summary>
    /// Rewrites only the per-URL entry record. An entry whose every window has passed is removed instead, so an older
    /// record of it never stays behind; one a reader would refuse (a 304 that merged in more fields than a record
    /// holds) is not written.
    /// </summary>
    private async Task<bool> WriteEntryAsync(Fetch fetch, CacheEntry entry, CancellationToken cancellationToken)
    {
        var window = EntryFactory.ExpiresAt(entry, fetch.Options) - _time.GetUtcNow();
        if (window <= TimeSpan.Zero)
        {
            await fetch.Store.RemoveAsync(fetch.EntryKey, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (!RecordLimits.Fits(entry))
        {
            // The stored record stays as it was, and is validated again next time.
            return false;
        }

        return await fetch.Store.SetAsync(fetch.EntryKey, DecodedEntryCache.Encode(entry, fetch.Options.KeyPrefix, _clientName, fetch.RequestHash), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, cancellationToken, fetch.Budget)
            .ConfigureAwait(false);
    }
}
