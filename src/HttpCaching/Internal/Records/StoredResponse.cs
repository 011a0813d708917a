namespace HttpCaching.Internal;

/// <summary>
/// A response as this cache keeps it: the entry, and the body record the entry points at, checked against each other.
/// The two always come together, so a response read from the store, one an origin request produced, and one a 304
/// refreshed are each one value that is there or not.
/// </summary>
/// <param name="Entry">The response's metadata.</param>
/// <param name="BodyRecord">The body version record that holds the response's body (<see cref="Internal.BodyRecord"/>).</param>
internal readonly record struct StoredResponse(CacheEntry Entry, byte[] BodyRecord);
