using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Remembers the store keys of recently requested URIs for one client, so that a hit does not hash its URI again.
/// It holds URIs in process memory only (never in the store) and is bounded: when full it starts over.
/// </summary>
internal sealed class RequestKeyCache(string clientName)
{
    /// <summary>The most URIs remembered per client.</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, RequestKeys> _keys = new(StringComparer.Ordinal);

    /// <summary>URIs added since the last start-over: a dictionary's count takes all of its locks.</summary>
    private int _added;

    public RequestKeys Get(Uri uri, string prefix)
    {
        // By the URI as it is hashed, not as it was written: two URIs written alike can go out differently (one made with
        // DangerousDisablePathAndQueryCanonicalization keeps its dot segments), and each must keep its own keys.
        var normalized = CacheKeyBuilder.NormalizeUri(uri);
        if (_keys.TryGetValue(normalized, out var keys) && string.Equals(keys.Prefix, prefix, StringComparison.Ordinal))
        {
            return keys;
        }

        var hash = CacheKeyBuilder.HashRequest("GET", normalized);
        keys = new RequestKeys(prefix, hash, CacheKeyBuilder.EntryKey(prefix, clientName, hash));
        if (Interlocked.Increment(ref _added) > Capacity)
        {
            Volatile.Write(ref _added, 1);
            _keys.Clear();
        }

        _keys[normalized] = keys;
        return keys;
    }
}
