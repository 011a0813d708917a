namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>
    /// Reads the stored response for the request: the URL's entry, or, when the response varies, the entry of the
    /// variant the request selects; then the body version it points at. Returns the key of the entry that was read.
    /// Records read from a shared store are kept in the near cache once they have been checked. <c>Clean</c> is false
    /// when a record was damaged. A store that failed or did not answer leaves it true: what the store holds is then
    /// unknown, and must still be read again before a write (another instance may have stored a newer version).
    /// </summary>
    private async ValueTask<(StoredResponse? Stored, string EntryKey, VaryRecord? Vary, bool Clean)> ReadAsync(
        TieredStore store,
        RequestKeys keys,
        HttpRequestMessage request,
        StoreBudget? budget,
        CancellationToken cancellationToken)
    {
        var entryKey = keys.EntryKey;
        VaryRecord? vary = null;
        string? variantId = null;
        var (entryRecord, source) = await store.GetAsync(entryKey, cancellationToken, budget).ConfigureAwait(false);
        if (entryRecord is not null && Variants.IsVaryRecord(entryRecord.Data))
        {
            if (!Variants.TryRead(entryRecord.Data, out var names, out var generation))
            {
                LogUnreadableRecord();
                return (null, entryKey, null, false);
            }

            store.Remember(entryKey, entryRecord, source, bodyVersion: false);
            vary = new VaryRecord(names, generation);
            variantId = Variants.Id(names, request);
            entryKey = CacheKeyBuilder.VariantKey(keys.Prefix, _clientName, keys.RequestHash, generation, variantId);
            (entryRecord, source) = await store.GetAsync(entryKey, cancellationToken, budget).ConfigureAwait(false);
        }

        if (entryRecord is null)
        {
            return (null, entryKey, vary, true);
        }

        if (DecodedEntryCache.Get(entryRecord, keys.Prefix, _clientName, keys.RequestHash) is not { } decoded
            || (variantId is not null && !CacheKeyBuilder.IsOfVariant(decoded.Entry.VersionId, variantId)))
        {
            // Unreadable, or another variant's entry under this one's key (a store that mixed up keys): its intact body
            // would be another variant's, another user's perhaps.
            LogUnreadableRecord();
            return (null, entryKey, vary, false);
        }

        if (!source.FromMemory && NewerKnown(store, entryKey, entryRecord, decoded.Entry, keys) is { } known)
        {
            // The store went back to an older version than this instance last had for the key (a failover to a replica
            // that lags, a restore from a backup): it keeps the newer one it had, served, revalidated or kept for
            // stale-if-error as any stored response, and never the older one after it.
            (entryRecord, decoded, source) = known;
        }

        if (IsPrivateForASharedCache(decoded.Entry, store.Options))
        {
            // Stored by an instance configured as a private cache (Shared = false) on the same store and prefix, during a
            // rolling deploy that changed the setting, say: one user's response, never served by a shared cache.
            return (null, entryKey, vary, true);
        }

        store.Remember(entryKey, entryRecord, source, bodyVersion: false);
        var (bodyRecord, bodySource) = await store.GetAsync(decoded.BodyKey, cancellationToken, budget).ConfigureAwait(false);
        if (bodyRecord is null)
        {
            // The body was evicted before the entry that points at it: a miss.
            return (null, entryKey, vary, true);
        }

        if (!BodyRecord.IsValid(bodyRecord, decoded.Entry.BodyLength, decoded.Entry.BodyChecksum))
        {
            LogUnreadableRecord();
            return (null, entryKey, vary, false);
        }

        store.Remember(decoded.BodyKey, bodyRecord, bodySource, bodyVersion: true);
        if (!source.FromMemory && bodySource.FromMemory)
        {
            // The entry came from the store, the body from memory: the store's copy of the body is kept alive with it.
            store.TouchInBackground(decoded.BodyKey);
        }

        return (new StoredResponse(decoded.Entry, bodyRecord.Data), entryKey, vary, true);
    }

    /// <summary>
    /// This instance's last known copy of the key (its near cache's, whatever its window), when <paramref name="read"/>,
    /// just read from the shared store, is another version that the origin dated before it (RFC 9111 §4: the most recent
    /// response is the one to use); <see langword="null"/> otherwise. The same version with an earlier date (another
    /// instance's revalidation, through an origin server whose clock is behind) is no older version, and equal dates
    /// (one-second resolution) are not older.
    /// </summary>
    private (HeldRecord Record, DecodedEntry Decoded, RecordSource Source)? NewerKnown(TieredStore store, string entryKey, HeldRecord record, CacheEntry read, RequestKeys keys) =>
        store.GetLastKnown(entryKey) is { } known
        && !ReferenceEquals(known.Data, record.Data)
        && !Variants.IsVaryRecord(known.Data)
        && DecodedEntryCache.Get(known, keys.Prefix, _clientName, keys.RequestHash) is { } knownDecoded
        && !string.Equals(knownDecoded.Entry.VersionId, read.VersionId, StringComparison.Ordinal)
        && OriginDate(read) < OriginDate(knownDecoded.Entry)
            ? (known, knownDecoded, RecordSource.Memory)
            : null;

    /// <summary>
    /// Whether a shared cache must not serve the entry: a private cache stored it (by a private cache's rules: a response
    /// to <c>Authorization</c>, a <c>private</c> one, its private fields kept), or, for records written before that was
    /// recorded, its <c>Cache-Control</c> says <c>private</c> without field names (parsed only for entries with the flag).
    /// </summary>
    private static bool IsPrivateForASharedCache(CacheEntry entry, ThirdPartyCachingOptions options) =>
        options.Shared
        && ((entry.Flags & CacheControlFlags.StoredByPrivateCache) != 0
            || ((entry.Flags & CacheControlFlags.Private) != 0
                && CachePolicy.StoredDirectives([.. entry.Headers, .. entry.ContentHeaders], options) is { PrivateFields: null } directives
                && directives.Has(CacheControlFlags.Private)));

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
            || Variants.IsVaryRecord(record.Data)
            || DecodedEntryCache.Get(record, fetch.Options.KeyPrefix, _clientName, fetch.RequestHash) is not { } decoded)
        {
            return null;
        }

        var entry = decoded.Entry;
        if (IsPrivateForASharedCache(entry, fetch.Options))
        {
            // Kept by this client as a private cache, before a reload made it a shared one: never another caller's.
            return null;
        }

        if (fetch.Stored is { Entry: var read } && entry.ResponseTime <= read.ResponseTime)
        {
            // What the request read, or a response received no later (another version a slower read put there): only
            // one received after what the request read is news.
            return null;
        }

        if (store.GetFromMemory(decoded.BodyKey) is not { } body || !BodyRecord.IsValid(body, entry.BodyLength, entry.BodyChecksum))
        {
            return null;
        }

        var reuse = Freshness.Evaluate(entry, entry.CurrentAge(_time.GetUtcNow()), fetch.Options, fetch.RequestDirectives);
        return reuse.Usable && !reuse.Stale
            ? FetchResult.Success(null, new StoredResponse(entry, body.Data), CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor), HttpCachingDiagnostics.OutcomeHit)
            : null;
    }

    /// <summary>
    /// The URL's origin back-off, if another request recorded one that has not ended and that holds for the stored
    /// response <paramref name="stored"/>: one recorded before that response was received is over, since the origin
    /// answered well after it (a <c>no-cache</c> request, a request past the stale-if-error window, another instance),
    /// by more than <see cref="DateSlack"/>.
    /// </summary>
    private static async ValueTask<DateTimeOffset?> ReadBackoffAsync(TieredStore store, RequestKeys keys, CacheEntry stored, StoreBudget? budget, CancellationToken cancellationToken)
    {
        var key = CacheKeyBuilder.BackoffKey(keys.Prefix, store.ClientName, keys.RequestHash);
        var (record, source) = await store.GetAsync(key, cancellationToken, budget).ConfigureAwait(false);
        if (BackoffRecord.TryDeserialize(record?.Data) is not { } backoff)
        {
            return null;
        }

        store.Remember(key, record!, source, bodyVersion: false);
        // The two times can come from two instances' clocks: what they may be apart by does not end a back-off.
        return backoff.Since + DateSlack >= stored.ResponseTime ? backoff.Until : null;
    }

    /// <summary>Corrupt or foreign records: one warning per interval for the client, however many are read.</summary>
    private void LogUnreadableRecord()
    {
        if (_logThrottle.ShouldLog(Log.UnreadableRecordId, string.Empty, out var suppressed))
        {
            Log.UnreadableRecord(_logger, _clientName, suppressed);
        }
    }
}
