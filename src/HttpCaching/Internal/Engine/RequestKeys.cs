namespace HttpCaching.Internal;

/// <summary>The store keys of one request URI for one client, computed once and reused.</summary>
internal sealed record RequestKeys(string Prefix, string RequestHash, string EntryKey);
