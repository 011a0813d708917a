using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

internal sealed partial class ThirdPartyCachingHandler
{
    /// <summary>
    /// Reads the stored response for the request: the URL's entry, or, when the response varies, the entry of the
    /// variant the request selects; then the body version it points at. Returns the key of the entry that was read.
    /// Records read from a shared store are kept in the near cache once they have been checked.
    /// </summary>
    private async ValueTask<(CacheEntry? Entry, byte[]? BodyRecord, string EntryKey, VaryRecord? Vary)> ReadAsync(
        TieredStore store,
        RequestKeys keys,
        HttpRequestMessage request,
        StoreBudget? budget,
        CancellationToken cancellationToken)
    {
        var entryKey = keys.EntryKey;
        VaryRecord? vary = null;
        var (entryRecord, source) = await store.GetAsync(entryKey, cancellationToken, budget).ConfigureAwait(false);
        if (entryRecord is not null && Variants.IsVaryRecord(entryRecord))
        {
            if (!Variants.TryRead(entryRecord, out var names, out var generation))
            {
                LogUnreadableRecord();
                return (null, null, entryKey, null);
            }

            store.Remember(entryKey, entryRecord, source, bodyVersion: false);
            vary = new VaryRecord(names, generation);
            entryKey = CacheKeyBuilder.VariantKey(keys.Prefix, _clientName, keys.RequestHash, generation, Variants.Id(names, request));
            (entryRecord, source) = await store.GetAsync(entryKey, cancellationToken, budget).ConfigureAwait(false);
        }

        if (entryRecord is null)
        {
            return (null, null, entryKey, vary);
        }

        if (DecodedEntryCache.Get(entryRecord, keys.Prefix, _clientName, keys.RequestHash) is not { } decoded)
        {
            LogUnreadableRecord();
            return (null, null, entryKey, vary);
        }

        store.Remember(entryKey, entryRecord, source, bodyVersion: false);
        var (bodyRecord, bodySource) = await store.GetAsync(decoded.BodyKey, cancellationToken, budget).ConfigureAwait(false);
        if (bodyRecord is null)
        {
            // The body was evicted before the entry that points at it: a miss.
            return (null, null, entryKey, vary);
        }

        if (!BodyRecord.IsValid(bodyRecord, decoded.Entry.BodyLength))
        {
            LogUnreadableRecord();
            return (null, null, entryKey, vary);
        }

        store.Remember(decoded.BodyKey, bodyRecord, bodySource, bodyVersion: true);
        return (decoded.Entry, bodyRecord, entryKey, vary);
    }

    /// <summary>Corrupt or foreign records: one warning per interval for the client, however many are read.</summary>
    private void LogUnreadableRecord()
    {
        if (_state.LogThrottle.ShouldLog(Log.UnreadableRecordId, string.Empty, out var suppressed))
        {
            Log.UnreadableRecord(_logger, _clientName, suppressed);
        }
    }

    /// <summary>The URL's origin back-off, if another request recorded one that has not ended.</summary>
    private static async ValueTask<DateTimeOffset?> ReadBackoffAsync(TieredStore store, RequestKeys keys, StoreBudget? budget, CancellationToken cancellationToken)
    {
        var key = CacheKeyBuilder.BackoffKey(keys.Prefix, store.ClientName, keys.RequestHash);
        var (record, source) = await store.GetAsync(key, cancellationToken, budget).ConfigureAwait(false);
        if (BackoffRecord.TryDeserialize(record) is not { } until)
        {
            return null;
        }

        store.Remember(key, record!, source, bodyVersion: false);
        return until;
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
        var written = await store.SetAsync(bodyKey, bodyRecord, new DistributedCacheEntryOptions { SlidingExpiration = window }, bodyVersion: true, cancellationToken, fetch.Budget).ConfigureAwait(false);

        // Once a write has failed, the records after it are kept in this instance's memory only (pending), never in the
        // store, which would then hold an entry without its body; this instance still serves the version it fetched.
        async ValueTask<bool> PutAsync(string key, byte[] record)
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
            return await PutAsync(fetch.PrimaryKey, CacheEntrySerializer.Serialize(entry)).ConfigureAwait(false);
        }

        // A response that varies: the variant's entry, then the Vary record that leads to it.
        // The variants of one Vary record share its generation; a record with other names, or none (the URL was
        // invalidated), starts a new one, so no variant stored before it is ever matched again.
        var generation = fetch.ReadVary is { } read && read.Names.AsSpan().SequenceEqual(varyNames) ? read.Generation : Variants.NewGeneration();
        var variantKey = CacheKeyBuilder.VariantKey(options.KeyPrefix, _clientName, fetch.RequestHash, generation, variantId!);
        await PutAsync(variantKey, CacheEntrySerializer.Serialize(entry)).ConfigureAwait(false);
        return await PutAsync(fetch.PrimaryKey, Variants.Serialize(varyNames, generation)).ConfigureAwait(false);
    }

    /// <summary>
    /// The one place that keeps what a 304 or a HEAD response did to a stored response (RFC 9111 §4.3.4, §4.3.5), for
    /// revalidations, HEAD requests and the caller's own conditionals alike. The updated response is checked again,
    /// since the update's fields now rule it: one that may no longer be stored (<c>no-store</c>, <c>private</c> in a
    /// shared cache) is removed. Otherwise the entry is rewritten and the body is only kept alive, never rewritten.
    /// Says whether the updated response was stored, could not be written (it is still a response this cache may keep,
    /// and share), or must not be kept.
    /// </summary>
    private async Task<UpdateOutcome> ApplyUpdateAsync(Fetch fetch, CacheEntry updated, int status, CancellationToken cancellationToken)
    {
        var reason = CachePolicy.CheckUpdated(updated, fetch.Options.Shared);
        if (reason != NotStoredReason.None)
        {
            await fetch.Store.RemoveAsync(fetch.EntryKey, CancellationToken.None).ConfigureAwait(false);
            Log.NotStored(_logger, _clientName, new LoggedUri(fetch.Uri), status, CacheStatus.Detail(reason));
            return UpdateOutcome.MustNotKeep;
        }

        var bodyKey = CacheKeyBuilder.BodyKey(fetch.Options.KeyPrefix, _clientName, fetch.RequestHash, updated.VersionId);
        return await fetch.Store.RefreshAsync(bodyKey, cancellationToken, fetch.Budget).ConfigureAwait(false)
            && await WriteEntryAsync(fetch, updated, cancellationToken).ConfigureAwait(false)
                ? UpdateOutcome.Stored
                : UpdateOutcome.WriteFailed;
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

        return await fetch.Store.SetAsync(fetch.EntryKey, CacheEntrySerializer.Serialize(entry), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, cancellationToken, fetch.Budget)
            .ConfigureAwait(false);
    }
}
