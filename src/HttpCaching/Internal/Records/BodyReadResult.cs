namespace HttpCaching.Internal;

/// <summary>
/// The outcome of reading a response body for storage: either a complete body record, or a replacement content
/// that gives the caller the same bytes when the body could not be stored.
/// </summary>
internal readonly record struct BodyReadResult(byte[]? Record, int Length, HttpContent? Replacement, NotStoredReason Reason);
