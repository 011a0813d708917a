using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

/// <summary>
/// A client's view of its store: the optional near cache in front of the guarded shared store, with the client's
/// timeout. Body versions are kept in the near cache once they have been read and checked; entry records for a short
/// window. Every write goes through to the shared store first.
/// </summary>
internal sealed class TieredStore(GuardedStore shared, NearCache? near, string clientName, ThirdPartyCachingOptions options)
{
    public GuardedStore Shared => shared;

    public ThirdPartyCachingOptions Options => options;

    /// <summary>Reads a record: from memory when the near cache has it, otherwise from the shared store.</summary>
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        near?.Get(key) is { } cached
            ? ValueTask.FromResult<byte[]?>(cached)
            : shared.GetAsync(key, clientName, options.StoreTimeout, cancellationToken);

    /// <summary>
    /// Keeps a record read from the shared store that turned out valid, for the next reads. A record that came from the
    /// near cache itself is left as it is, so that hits from memory never extend its window.
    /// </summary>
    public void Remember(string key, byte[] record, bool bodyVersion)
    {
        if (near is not null && !ReferenceEquals(near.Get(key), record))
        {
            near.Set(key, record, bodyVersion, options.NearCacheEntryDuration);
        }
    }

    public async ValueTask<bool> SetAsync(string key, byte[] value, DistributedCacheEntryOptions expiry, bool bodyVersion, CancellationToken cancellationToken)
    {
        var stored = await shared.SetAsync(key, value, expiry, clientName, options.StoreTimeout, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            near?.Set(key, value, bodyVersion, options.NearCacheEntryDuration);
        }
        else
        {
            near?.Remove(key);
        }

        return stored;
    }

    public ValueTask<bool> RefreshAsync(string key, CancellationToken cancellationToken) =>
        shared.RefreshAsync(key, clientName, options.StoreTimeout, cancellationToken);

    public ValueTask<bool> RemoveAsync(string key, CancellationToken cancellationToken)
    {
        near?.Remove(key);
        return shared.RemoveAsync(key, clientName, options.StoreTimeout, cancellationToken);
    }
}
