using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

internal sealed partial class ThirdPartyCachingHandler
{
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
        var (entryRecord, fromMemory) = await store.GetAsync(entryKey, cancellationToken).ConfigureAwait(false);
        if (entryRecord is not null && Variants.IsVaryRecord(entryRecord))
        {
            if (Variants.TryDeserialize(entryRecord) is not { } names)
            {
                Log.UnreadableRecord(_logger, _clientName);
                return (null, null, entryKey);
            }

            store.Remember(entryKey, entryRecord, fromMemory, bodyVersion: false);
            entryKey = CacheKeyBuilder.VariantKey(keys.Prefix, _clientName, keys.RequestHash, Variants.Id(names, request));
            (entryRecord, fromMemory) = await store.GetAsync(entryKey, cancellationToken).ConfigureAwait(false);
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

        store.Remember(entryKey, entryRecord, fromMemory, bodyVersion: false);
        var (bodyRecord, bodyFromMemory) = await store.GetAsync(decoded.BodyKey, cancellationToken).ConfigureAwait(false);
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

        store.Remember(decoded.BodyKey, bodyRecord, bodyFromMemory, bodyVersion: true);
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
        if (window > TimeSpan.Zero && RecordLimits.Fits(entry))
        {
            await fetch.Store.SetAsync(fetch.EntryKey, CacheEntrySerializer.Serialize(entry), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = window }, bodyVersion: false, cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
