using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The bounded in-process store used when the application registers no <see cref="IDistributedCache"/>: an
/// <see cref="IDistributedCache"/> over a <see cref="MemoryCache"/>, as <see cref="MemoryDistributedCache"/> is, but
/// each entry is charged what it really holds on the heap (<see cref="Charge"/>) against
/// <see cref="HttpCachingStoreOptions.MemorySizeLimit"/>, so small records cannot outgrow the limit many times over.
/// Entries expire by the application's <see cref="TimeProvider"/>. A write that would not fit first makes room, least
/// recently used first, so the newest record is always admitted. Each record is kept in a <see cref="HeldRecord"/>,
/// so what the handler learns of it (its decoded entry, its verified checksum) is kept with it.
/// </summary>
internal sealed class DefaultMemoryStore : IDistributedCache, IDisposable
{
    /// <summary>
    /// The heap bytes an entry costs beyond its value bytes and its key's characters: the <see cref="MemoryCache"/>
    /// entry, its dictionary node and share of the bucket table, and the headers and padding of the key string and the
    /// value array. Measured with <see cref="GC.GetTotalMemory(bool)"/> (full collection) before and after adding
    /// 2,000 to 600,000 entries to a <see cref="MemoryCache"/> (.NET 10, x64, Microsoft.Extensions.Caching.Memory
    /// 10.0.14), keys of 8 to 200 characters, values of 0 to 100 bytes, half with absolute and half with sliding
    /// expiration: 211 to 220 bytes per entry, rounded up to a multiple of 8; plus the completed task the value is kept
    /// in and its holder.
    /// </summary>
    public const int EntryOverhead = 224 + TaskOverhead + HeldRecord.Overhead;

    /// <summary>The completed task each record is kept in, so that reads allocate nothing.</summary>
    private const int TaskOverhead = 72;

    /// <summary>When a write would overflow the limit, entries are evicted until the store is this full.</summary>
    private const double LowWatermark = 0.9;

    private static readonly Task<byte[]?> Missing = Task.FromResult<byte[]?>(null);
    private static readonly Task<HeldRecord?> MissingHeld = Task.FromResult<HeldRecord?>(null);

    private readonly MemoryCache _memory;
    private readonly long _sizeLimit;
    private readonly TimeProvider _time;
    private readonly Lock _compacting = new();
    private readonly SizeBound _sizeBound = new();

    public DefaultMemoryStore(IOptions<HttpCachingStoreOptions> options, IServiceProvider services)
        : this(options.Value.MemorySizeLimit, services.GetService<TimeProvider>() ?? TimeProvider.System)
    {
    }

    internal DefaultMemoryStore(long sizeLimit, TimeProvider time)
    {
        _sizeLimit = sizeLimit;
        _time = time;
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = sizeLimit,
            CompactionPercentage = 1 - LowWatermark,
            Clock = new TimeProviderClock(time),
            TrackStatistics = true,
        });
    }

    /// <summary>Gets the number of entries held, expired ones not yet removed included.</summary>
    internal int Count => _memory.Count;

    /// <summary>Gets the sum of the charges of the entries held.</summary>
    internal long Size => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>What an entry is charged against the limit: its value, its key (UTF-16) and <see cref="EntryOverhead"/>.</summary>
    public static long Charge(string key, byte[] value) => value.LongLength + (key.Length * 2L) + EntryOverhead;

    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _memory.TryGetValue(key, out Task<HeldRecord?>? held) ? held!.Result!.Data : null;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _memory.TryGetValue(key, out Task<HeldRecord?>? held) ? Task.FromResult<byte[]?>(held!.Result!.Data) : Missing;
    }

    /// <summary>
    /// The handler's read: the stored record in its holder, as a completed task (each record is kept as one, so this
    /// allocates nothing).
    /// </summary>
    public Task<HeldRecord?> GetHeldAsync(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _memory.TryGetValue(key, out Task<HeldRecord?>? held) ? held! : MissingHeld;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(key, new HeldRecord(value), options);
    }

    /// <summary>The handler's write: the record in the holder it came in, with what the handler knows of it.</summary>
    public void Set(string key, HeldRecord record, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(options);

        var charge = Charge(key, record.Data);
        if (charge > _sizeLimit)
        {
            // It can never fit: the write fails as the memory cache's would, and leaves no older value behind.
            _memory.Remove(key);
            return;
        }

        var stored = Task.FromResult<HeldRecord?>(record);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            MakeRoom(charge, measure: attempt > 0);
            using (var entry = _memory.CreateEntry(key))
            {
                entry.Size = charge;
                entry.AbsoluteExpiration = AbsoluteExpiration(options);
                entry.SlidingExpiration = options.SlidingExpiration;
                entry.Value = stored;
            }

            // The memory cache silently refuses an entry that would pass its limit: concurrent writers can leave the
            // size bound short of the truth for a moment. Then the size is measured, room made, and the write repeated;
            // unless the key holds a value, which may be a concurrent writer's newer one and must not be replaced.
            if (_memory.TryGetValue(key, out _))
            {
                return;
            }
        }
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Set(key, value, options);
        return Task.CompletedTask;
    }

    /// <inheritdoc cref="Set(string, HeldRecord, DistributedCacheEntryOptions)"/>
    public Task SetAsync(string key, HeldRecord record, DistributedCacheEntryOptions options)
    {
        Set(key, record, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _memory.TryGetValue(key, out _);
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Refresh(key);
        return Task.CompletedTask;
    }

    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _memory.Remove(key);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }

    public void Dispose() => _memory.Dispose();

    /// <summary>
    /// The memory cache refuses a write that would overflow its limit and compacts in the background, so the newest
    /// record would be the one lost. Instead, before such a write, the least recently used entries (expired ones
    /// first) are evicted until the store is at <see cref="LowWatermark"/> of its limit with room for the new entry,
    /// which leaves room for the next writes too, so the cost of compaction is spread over many of them. The size is
    /// measured only when <see cref="SizeBound"/> says the write may not fit.
    /// </summary>
    private void MakeRoom(long charge, bool measure)
    {
        if (!_sizeBound.MayExceed(charge, _sizeLimit) && !measure)
        {
            return;
        }

        lock (_compacting)
        {
            try
            {
                var target = Math.Max((long)(_sizeLimit * LowWatermark) - charge, 0);
                for (var round = 0; round < 8; round++)
                {
                    // Another writer may have made room meanwhile; a round may fall short, as entry sizes vary.
                    var size = Size;
                    var count = _memory.Count;
                    if (size + charge <= _sizeLimit || size <= 0 || count == 0)
                    {
                        return;
                    }

                    // Compaction removes a share of the entries (least recently used first): aim at the share of bytes.
                    _memory.Compact(Math.Clamp((double)(size - target) / size, 1.0 / count, 1.0));
                }
            }
            finally
            {
                _sizeBound.Measured(Size + charge);
            }
        }
    }

    /// <summary>
    /// The absolute expiration of <paramref name="options"/>, with a relative one turned into an instant here so that a
    /// window too long to add to the clock saturates instead of throwing.
    /// </summary>
    private DateTimeOffset? AbsoluteExpiration(DistributedCacheEntryOptions options)
    {
        if (options.AbsoluteExpirationRelativeToNow is not { } relative)
        {
            return options.AbsoluteExpiration;
        }

        var now = _time.GetUtcNow();
        return relative >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + relative;
    }
}
