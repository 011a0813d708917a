using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;

namespace HttpCaching.Internal;

/// <summary>
/// The in-process tier of one client in front of a shared store, bounded by size (least recently used first out).
/// <list type="bullet">
/// <item>Body version records are immutable: once read they are served from here.</item>
/// <item>Entry and Vary records, which another instance may rewrite, are served from here only for a short window;
/// after it they are kept as the last known copy, read only when the shared store cannot be read (stale-if-error
/// with the store down).</item>
/// <item>Each record is kept in the <see cref="HeldRecord"/> it was read or written in, so it is decoded and checked
/// once while it is here.</item>
/// <item>A record whose write to the shared store failed is pending: it is served from here, in preference to the
/// store, until a later write of it reaches the store. So an instance never goes back to an older version it had
/// replaced, and keeps caching, while the store is down.</item>
/// </list>
/// </summary>
internal sealed class NearCache : IDisposable
{
    /// <summary>
    /// How long a removed record's slot stays marked, longer than any store read the removal can overlap (each is
    /// bounded by the client's store timeout, at most an hour; a read still running after this is rare enough).
    /// </summary>
    private static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a removal the store did not take is remembered, at most: never made room with, so it must not pile up
    /// for the life of the process when a store stays down while URLs are invalidated.
    /// </summary>
    private static readonly TimeSpan RemovalPendingLifetime = TimeSpan.FromDays(1);

    /// <summary>What a slot costs beyond its key and value, as charged against the size limit.</summary>
    private const int SlotOverhead = 64;

    private readonly MemoryCache _memory;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _sizeLimit;
    private readonly SizeBound _sizeBound = new();

    /// <summary>The keys whose removal from the shared store is still to be done, to retry once the store answers.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _removals = new(StringComparer.Ordinal);

    public NearCache(long sizeLimit, TimeProvider time)
    {
        _time = time;
        _sizeLimit = sizeLimit;
        // Statistics give the current size, which room is made by before an insert (without them it reads as 0).
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit, Clock = new TimeProviderClock(time), TrackStatistics = true });
    }

    /// <summary>A record to serve from memory: a body version, a pending record, or an entry within its window.</summary>
    public HeldRecord? Get(string key) =>
        _memory.TryGetValue(key, out Slot? slot) && slot is { Value: not null } && (slot.Pending || slot.FreshUntilTicks > _time.GetUtcNow().UtcTicks)
            ? slot.Value
            : null;

    /// <summary>The last known copy of a record, whatever its window: for when the shared store cannot be read.</summary>
    public HeldRecord? GetLastKnown(string key) => _memory.TryGetValue(key, out Slot? slot) ? slot?.Value : null;

    /// <summary>
    /// Whether a removal of the record from the shared store failed and is still to be done: until it is, the store's
    /// copy must not be served.
    /// </summary>
    public bool IsRemovalPending(string key) => _memory.TryGetValue(key, out Slot? slot) && slot is { Value: null, Removed: false };

    /// <summary>Remembers that the record must be removed from the shared store, which did not take the removal.</summary>
    public void SetRemovalPending(string key)
    {
        _removals[key] = 0;
        Put(key, new Slot(null, 0, Pending: false, Expiry: null));
    }

    /// <summary>Whether any removal is still to be done in the shared store.</summary>
    public bool HasRemovalsPending => !_removals.IsEmpty;

    /// <summary>
    /// The keys whose removal is still to be done; those whose marker is gone (done, replaced by a newer record, or
    /// expired) are forgotten on the way.
    /// </summary>
    public List<string> RemovalsPending()
    {
        var keys = new List<string>();
        foreach (var key in _removals.Keys)
        {
            if (IsRemovalPending(key))
            {
                keys.Add(key);
            }
            else
            {
                _removals.TryRemove(key, out _);
            }
        }

        return keys;
    }

    /// <summary>The slot for <paramref name="key"/> as it is now (compared by identity), or <see langword="null"/>.</summary>
    public object? SlotOf(string key) => _memory.TryGetValue(key, out Slot? slot) ? slot : null;

    /// <summary>Whether the record under <paramref name="key"/> is waiting to be written to the shared store, and how.</summary>
    public bool TryGetPending(string key, out HeldRecord value, out DistributedCacheEntryOptions expiry)
    {
        if (_memory.TryGetValue(key, out Slot? slot) && slot is { Pending: true, Value: not null })
        {
            value = slot.Value;
            expiry = slot.Expiry!;
            return true;
        }

        value = null!;
        expiry = null!;
        return false;
    }

    /// <summary>
    /// Keeps a record that the shared store holds: a body version until evicted, any other record served from here
    /// for <paramref name="entryDuration"/> and kept as the last known copy after that.
    /// </summary>
    public void Set(string key, HeldRecord value, bool bodyVersion, TimeSpan entryDuration)
    {
        Put(key, NewSlot(value, bodyVersion, entryDuration));
    }

    /// <summary>
    /// Keeps a record as <see cref="Set"/> does, but only if the slot for <paramref name="key"/> is still
    /// <paramref name="before"/>: a record kept there since (a newer one, a pending one, a removal) is left alone.
    /// </summary>
    public void SetUnlessChanged(string key, object? before, HeldRecord value, bool bodyVersion, TimeSpan entryDuration)
    {
        var slot = NewSlot(value, bodyVersion, entryDuration);
        lock (_gate)
        {
            if (ReferenceEquals(SlotOf(key), before))
            {
                Put(key, slot);
            }
        }
    }

    /// <summary>
    /// Keeps a record whose write to the shared store failed: served from here until a write of it succeeds. It is the
    /// newest version this instance has, so it goes last when room is made (after every record the store holds).
    /// </summary>
    public void SetPending(string key, HeldRecord value, DistributedCacheEntryOptions expiry) =>
        Put(key, new Slot(value, 0, Pending: true, expiry));

    /// <summary>
    /// Drops this instance's copy of a record. The slot is not left empty but marked removed for a while: a read of the
    /// shared store that began before the removal (and may have found the record the removal was about) then finds its
    /// slot changed, and does not put that record back (<see cref="SetUnlessChanged"/>).
    /// </summary>
    public void Remove(string key) => Put(key, Slot.Tombstone);

    /// <summary>
    /// Drops this instance's copy of a record another instance changed (the backplane), if it has one, so the next
    /// read goes to the shared store. A pending record (its write failed here, while the other instance's went
    /// through) is no longer preferred to the store nor written again: it stays only as the last known copy, for when
    /// the store cannot be read. A removal still to be done is kept: the store's copy stays hidden until it is done.
    /// </summary>
    public void Drop(string key)
    {
        if (!_memory.TryGetValue(key, out Slot? slot) || slot is not { Value: { } value })
        {
            return;
        }

        if (slot.Pending)
        {
            Put(key, new Slot(value, 0, Pending: false, Expiry: null));
        }
        else
        {
            Remove(key);
        }
    }

    public void Dispose() => _memory.Dispose();

    /// <summary>
    /// Writes a slot; under the gate, so that <see cref="SetUnlessChanged"/> compares and writes as one step. A memory
    /// cache silently refuses an entry that would pass its size limit (and one that a compaction running meanwhile
    /// takes out), so the write is checked and, if the slot is not there, room is made and it is written again.
    /// </summary>
    private void Put(string key, Slot slot)
    {
        if (ReferenceEquals(slot, Slot.Tombstone))
        {
            // A new instance for each removal, so that two removals are two changes.
            slot = new Slot(null, 0, Pending: false, Expiry: null, Removed: true);
        }

        var size = Size(key, slot.Value);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            MakeRoom(size, harder: attempt > 0);
            lock (_gate)
            {
                using (var entry = _memory.CreateEntry(key))
                {
                    entry.Value = slot;
                    entry.Size = size;
                    if (slot.Removed)
                    {
                        entry.AbsoluteExpirationRelativeToNow = TombstoneLifetime;
                    }
                    else if (slot.Value is null)
                    {
                        // A removal the store did not take: never made room with, or the store's copy would be served;
                        // bounded in time instead.
                        entry.Priority = CacheItemPriority.NeverRemove;
                        entry.AbsoluteExpirationRelativeToNow = RemovalPendingLifetime;
                    }
                    else if (slot is { Pending: true, Expiry: { } expiry })
                    {
                        // A pending record must not outlive what its write asked of the store.
                        entry.AbsoluteExpiration = expiry.AbsoluteExpiration;
                        entry.AbsoluteExpirationRelativeToNow = expiry.AbsoluteExpirationRelativeToNow;
                        entry.SlidingExpiration = expiry.SlidingExpiration;
                        entry.Priority = CacheItemPriority.High;
                    }
                }

                if (ReferenceEquals(SlotOf(key), slot) || size > _sizeLimit)
                {
                    return;
                }
            }
        }
    }

    private Slot NewSlot(HeldRecord value, bool bodyVersion, TimeSpan entryDuration)
    {
        var freshUntil = bodyVersion
            ? long.MaxValue
            : entryDuration > TimeSpan.Zero ? _time.GetUtcNow().UtcTicks + entryDuration.Ticks : 0;
        return new Slot(value, freshUntil, Pending: false, Expiry: null);
    }

    /// <summary>
    /// A memory cache refuses a write that would pass its limit and compacts later, which would drop the newest record
    /// (a pending one among them): the least recently used make room first, down to 90% of the limit (or, after a
    /// refused write, down to half of it). A compaction removes a share of the entries, not of the bytes, so it is
    /// repeated until the bytes fit. Pending records go last (they have a higher priority). The size is measured only
    /// when <see cref="SizeBound"/> says the write may not fit, or after a refused write.
    /// </summary>
    private void MakeRoom(long size, bool harder)
    {
        if (size > _sizeLimit)
        {
            return;
        }

        if (!_sizeBound.MayExceed(size, _sizeLimit) && !harder)
        {
            return;
        }

        var target = Math.Max((long)(_sizeLimit * (harder ? 0.5 : 0.9)) - size, 0);
        var current = CurrentSize();
        if (harder || current + size > _sizeLimit)
        {
            for (var round = 0; round < 16 && current > target; round++)
            {
                _memory.Compact(Math.Clamp((double)(current - target) / current, 0.05, 1.0));
                current = CurrentSize();
            }
        }

        _sizeBound.Measured(current + size);
    }

    private long CurrentSize() => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    private static long Size(string key, HeldRecord? value) => value is null
        ? (2L * key.Length) + SlotOverhead
        : value.Data.Length + (2L * key.Length) + SlotOverhead + HeldRecord.Overhead;

    /// <summary>
    /// A record; or, with no value, a removal still to be done in the shared store, or (<paramref name="Removed"/>) a
    /// record removed here a moment ago.
    /// </summary>
    private sealed record Slot(HeldRecord? Value, long FreshUntilTicks, bool Pending, DistributedCacheEntryOptions? Expiry, bool Removed = false)
    {
        /// <summary>Stands for a new removed slot in <see cref="Put"/>.</summary>
        public static readonly Slot Tombstone = new(null, 0, Pending: false, Expiry: null, Removed: true);
    }
}
