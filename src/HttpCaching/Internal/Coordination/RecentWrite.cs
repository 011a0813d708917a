namespace HttpCaching.Internal;

/// <summary>
/// The latest URL entry record this instance wrote in one of <see cref="StoreCoordination"/>'s slots
/// (<see cref="StoreCoordination.Wrote"/>): when another instance's invalidation of it is announced soon after, the write
/// may have landed after that instance's removal, and is removed again.
/// </summary>
/// <param name="Key">The URL's entry key (the store key the invalidation message names).</param>
/// <param name="Timestamp">When the write was done, from the coordination's <see cref="TimeProvider.GetTimestamp"/>.</param>
/// <param name="Store">The client's store, which removes it (and tells the other instances).</param>
/// <param name="DisplacedTimestamp">
/// When the latest write of another key that this slot held was done: an invalidation of any key of the slot announced
/// soon after it may concern that write, which is no longer known by its key. Meaningless without
/// <paramref name="DisplacedStore"/>.
/// </param>
/// <param name="DisplacedStore">The store of that write (<see langword="null"/> when the slot never held another key).</param>
internal sealed record RecentWrite(string Key, long Timestamp, TieredStore Store, long DisplacedTimestamp, TieredStore? DisplacedStore);
