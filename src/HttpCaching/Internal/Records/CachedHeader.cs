namespace HttpCaching.Internal;

/// <summary>One stored header field with its raw values, as received.</summary>
internal readonly record struct CachedHeader(string Name, string[] Values);
