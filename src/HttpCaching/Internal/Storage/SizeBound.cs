namespace HttpCaching.Internal;

/// <summary>
/// An upper bound of the bytes a size-limited <see cref="Microsoft.Extensions.Caching.Memory.MemoryCache"/> holds,
/// kept without asking the cache on every write: its statistics count its entries under every lock of its dictionaries
/// (up to 1,024 of them once it has grown), which cost a write to a full store tens of microseconds. The bound is the
/// size last measured plus every charge written since; removals, evictions and expirations only make the cache
/// smaller, so the bound errs on the side of measuring again, never of overflowing.
/// </summary>
internal sealed class SizeBound
{
    private long _bound;

    /// <summary>
    /// Counts a write of <paramref name="charge"/> bytes; <see langword="true"/> when the cache may then pass
    /// <paramref name="limit"/>, and its size must be measured (and room perhaps made).
    /// </summary>
    public bool MayExceed(long charge, long limit) => Interlocked.Add(ref _bound, charge) > limit;

    /// <summary>Starts over from a measured size (the write being made included).</summary>
    public void Measured(long size) => Volatile.Write(ref _bound, size);
}
