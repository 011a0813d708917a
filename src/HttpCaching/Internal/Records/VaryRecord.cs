namespace HttpCaching.Internal;

/// <summary>A Vary record as read: the field names a URL's response varies on, and the generation of its variants.</summary>
internal sealed record VaryRecord(string[] Names, string Generation);
