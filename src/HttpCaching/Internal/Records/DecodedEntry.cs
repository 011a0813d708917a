namespace HttpCaching.Internal;

/// <summary>An entry record decoded, with the key of the body version it points at.</summary>
internal sealed record DecodedEntry(CacheEntry Entry, string Prefix, string RequestHash, string BodyKey);
