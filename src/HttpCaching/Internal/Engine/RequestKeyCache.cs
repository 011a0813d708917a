using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Remembers the store keys of recently requested URIs for one client, so that a hit does not hash its URI again; only
/// URIs written in the canonical form they are hashed in (the usual case), so that the text alone identifies them.
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
        // By the URI as written, which costs nothing to read; only URIs written as they are hashed are remembered. Two
        // URIs written alike can go out differently (one made with DangerousDisablePathAndQueryCanonicalization keeps the
        // dot segments the other loses), but not when what is written is already canonical: then both go out as written.
        var original = uri.OriginalString;
        if (_keys.TryGetValue(original, out var keys) && string.Equals(keys.Prefix, prefix, StringComparison.Ordinal))
        {
            return keys;
        }

        var normalized = CacheKeyBuilder.NormalizeUri(uri, out var asWritten);
        var hash = CacheKeyBuilder.HashRequest("GET", normalized);
        keys = new RequestKeys(prefix, hash, CacheKeyBuilder.EntryKey(prefix, clientName, hash));
        if (asWritten || !string.Equals(normalized, original, StringComparison.Ordinal))
        {
            // Not canonical as written, or not canonicalized at all: the text does not tell how it goes out.
            return keys;
        }

        if (Interlocked.Increment(ref _added) > Capacity)
        {
            Volatile.Write(ref _added, 1);
            _keys.Clear();
        }

        _keys[original] = keys;
        return keys;
    }
}
