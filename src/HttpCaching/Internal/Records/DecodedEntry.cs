namespace HttpCaching.Internal;

/// <summary>An entry record decoded for one client's request, with the key of the body version it points at.</summary>
internal sealed record DecodedEntry(CacheEntry Entry, string Prefix, string ClientName, string RequestHash, string BodyKey);
