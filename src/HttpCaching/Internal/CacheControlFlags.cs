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
}
