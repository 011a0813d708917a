namespace HttpCaching.Internal;

/// <summary>Cache-Control directives without arguments, or whose argument is kept elsewhere.</summary>
[Flags]
internal enum CacheControlFlags
{
    None = 0,
    NoStore = 1 << 0,
    NoCache = 1 << 1,
    Private = 1 << 2,
    Public = 1 << 3,
    MustRevalidate = 1 << 4,
    ProxyRevalidate = 1 << 5,
    Immutable = 1 << 6,
    OnlyIfCached = 1 << 7,
    MustUnderstand = 1 << 8,
    NoTransform = 1 << 9,

    /// <summary><c>max-stale</c> without a value: any staleness is acceptable.</summary>
    MaxStaleAny = 1 << 10,

    /// <summary>
    /// Not a directive: kept in a stored entry whose response answered a request that carried <c>Authorization</c>
    /// or <c>Cookie</c>. Such a response follows its own explicit freshness only: no floor, no heuristic.
    /// </summary>
    CredentialedRequest = 1 << 16,

    /// <summary>
    /// Not a directive: marks an entry that a HEAD response showed to be outdated (RFC 9111 §4.3.5). Such an entry is
    /// removed, never written; should a record carry the flag, it is stale whatever its lifetime.
    /// </summary>
    MarkedStale = 1 << 17,

    /// <summary>
    /// Not a directive: kept in a stored entry that a private cache (<c>Shared = false</c>) stored, by the rules of a
    /// private cache (a response to <c>Authorization</c>, <c>private</c> ones, their private fields). A shared cache on
    /// the same store never serves it.
    /// </summary>
    StoredByPrivateCache = 1 << 18,

    /// <summary>
    /// Not a directive: kept in a stored entry whose <c>Last-Modified</c> was weak for its bytes (RFC 9110 §8.8.2.2: the
    /// <c>Date</c> they were sent with was less than a second after it), and which a 304 or HEAD response has refreshed
    /// since without a strong entity tag to show the bytes are the current ones. The refreshed <c>Date</c> is no longer
    /// the time the bytes were sent, so it cannot make that <c>Last-Modified</c> strong (<c>If-Range</c>, §13.1.5).
    /// </summary>
    WeakLastModified = 1 << 19,

    /// <summary>The flags that describe a stored entry rather than a received directive.</summary>
    EntryOnly = CredentialedRequest | MarkedStale | StoredByPrivateCache | WeakLastModified,
}
