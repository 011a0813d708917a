namespace HttpCaching.Internal;

/// <summary>How a stored response is served: in full, as the answer to a HEAD, or as a 304 to a conditional request.</summary>
internal enum ServedForm
{
    Full,
    Head,
    NotModified,
}
