namespace HttpCaching.Internal;

/// <summary>
/// Which URLs this instance invalidated while a fetch was under way, so that a response the origin decided before the
/// change is not written after the invalidation (a cold miss has no stored response whose removal would show it). Each
/// invalidation takes the next number of a sequence and marks the URL's slot with it; a fetch remembers the number when
/// it starts, and a slot marked with a later one means its URL may have been invalidated since. Slots are shared by
/// hash, so a mark can also stand for another URL: that fetch is then not stored, which is safe. Fixed size, lock-free.
/// </summary>
/// <remarks>
/// A store's coordination keeps one too, of the keys other instances said they changed (<see cref="StoreCoordination.Changes"/>),
/// with more slots: every record another instance writes marks one, not only invalidations.
/// </remarks>
internal sealed class RecentInvalidations(int slotCount = RecentInvalidations.DefaultSlotCount)
{
    /// <summary>The slots of an instance's own invalidations.</summary>
    public const int DefaultSlotCount = 1024;

    private readonly long[] _slots = new long[slotCount];
    private long _sequence;

    /// <summary>The number of the latest invalidation, for a fetch to remember when it starts.</summary>
    public long Current => Volatile.Read(ref _sequence);

    /// <summary>Marks <paramref name="primaryKey"/> as invalidated now, before its records are removed.</summary>
    public void Note(string primaryKey)
    {
        var number = Interlocked.Increment(ref _sequence);
        ref var slot = ref _slots[Slot(primaryKey)];
        var seen = Volatile.Read(ref slot);
        while (seen < number)
        {
            var was = Interlocked.CompareExchange(ref slot, number, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    /// <summary>Whether <paramref name="primaryKey"/> may have been invalidated after invalidation number <paramref name="seen"/>.</summary>
    public bool Since(string primaryKey, long seen) => Volatile.Read(ref _slots[Slot(primaryKey)]) > seen;

    private int Slot(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_slots.Length);
}
