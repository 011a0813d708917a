namespace HttpCaching.Internal;

/// <summary>
/// A URL's entry record this instance wrote (<see cref="StoreCoordination.Wrote"/>): when another instance's invalidation
/// of it is announced soon after, the write may have landed after that instance's removal, and is removed again.
/// </summary>
/// <param name="Key">The URL's entry key (the store key the invalidation message names).</param>
/// <param name="Timestamp">When the write was done, from the coordination's <see cref="TimeProvider.GetTimestamp"/>.</param>
/// <param name="Store">The client's store, which removes it (and tells the other instances).</param>
internal sealed record RecentWrite(string Key, long Timestamp, TieredStore Store);
