namespace HttpCaching.Internal;

/// <summary>
/// Where a record read through the tier came from: this instance's memory, or the shared store, with the near cache's
/// slot for the key as it was when the read began. A record from the shared store is remembered only if that slot is
/// still the same when the record has been checked, so a slow read never puts an older record over one that a
/// concurrent request kept meanwhile.
/// </summary>
/// <param name="FromMemory">Whether the record came from the near cache (or is its last known copy).</param>
/// <param name="SlotBefore">The near cache's slot for the key when the shared store was read, or <see langword="null"/>.</param>
/// <param name="StoreUnread">Whether the shared store could not be read (what there is comes from memory, if anything).</param>
internal readonly record struct RecordSource(bool FromMemory, object? SlotBefore, bool StoreUnread = false)
{
    /// <summary>A record from this instance's memory, which is never remembered again.</summary>
    public static RecordSource Memory => new(true, null);

    /// <summary>The shared store could not be read: this instance's last known copy, if any.</summary>
    public static RecordSource Unread => new(true, null, StoreUnread: true);
}
