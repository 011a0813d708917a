using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HttpCaching.Testing;

/// <summary>What a store operation does instead of (or to) its work.</summary>
public enum StoreFault
{
    /// <summary>The operation works.</summary>
    None,

    /// <summary>The operation throws at once (<see cref="InvalidOperationException"/>: the store is down).</summary>
    Throw,

    /// <summary>The operation hangs until its caller's token is cancelled, forever if it never is.</summary>
    Hang,

    /// <summary>
    /// The operation waits, whatever its caller's token, until <see cref="ChaosDistributedCache.ReleaseHeld"/> is called,
    /// then works: a call its caller gave up on that the store still carries out, late.
    /// </summary>
    Held,

    /// <summary>
    /// A read returns a damaged copy of the record, and a write stores one (see
    /// <see cref="ChaosDistributedCache.Corruptions"/>); refresh and remove carry no value, and work.
    /// </summary>
    Corrupt,

    /// <summary>
    /// The operation is carried out, then throws (<see cref="IOException"/>) as if its answer was lost on the way back: a
    /// write lands though its caller sees it fail.
    /// </summary>
    Lost,
}

/// <summary>The damage a corrupted record can take.</summary>
[Flags]
public enum RecordDamage
{
    /// <summary>One byte changed in place: only a checksum sees it.</summary>
    FlipByte = 1,

    /// <summary>The record cut short.</summary>
    Truncate = 2,

    /// <summary>Bytes added at the end.</summary>
    Append = 4,

    /// <summary>What the record framing is documented to detect.</summary>
    Framing = Truncate | Append,

    Any = FlipByte | Truncate | Append,
}

/// <summary>
/// A store in front of a working one that misbehaves when told to, in two ways that can be combined:
/// <list type="bullet">
/// <item>switched faults: each operation (get, set, refresh, remove; synchronous and asynchronous alike) works,
/// throws, hangs or corrupts as its <see cref="StoreFault"/> property says, until the test switches it;</item>
/// <item>chaos: every operation throws, hangs, drops its write, evicts or returns a damaged record at random, each with
/// its own rate, from a random source seeded by the test so runs repeat.</item>
/// </list>
/// Every call is counted, whatever it does, and so is each fault.
/// </summary>
public sealed class ChaosDistributedCache(IDistributedCache inner, int seed = 0) : IDistributedCache
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private TaskCompletionSource _hangStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;
    private int _throws;
    private int _hangs;
    private int _corruptions;
    private int _droppedWrites;
    private int _evictions;

    /// <summary>A store that is down: every operation throws, and nothing is ever stored.</summary>
    public static ChaosDistributedCache Down() =>
        new(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))) { AllFaults = StoreFault.Throw };

    public StoreFault GetFault { get; set; }

    public StoreFault SetFault { get; set; }

    public StoreFault RefreshFault { get; set; }

    public StoreFault RemoveFault { get; set; }

    /// <summary>The keys the switched faults apply to (every key when <see langword="null"/>); the chaos rates apply to all.</summary>
    public Func<string, bool>? FaultedKeys { get; set; }

    /// <summary>Sets the fault of every operation at once.</summary>
    public StoreFault AllFaults
    {
        set => GetFault = SetFault = RefreshFault = RemoveFault = value;
    }

    /// <summary>The chance that an operation throws.</summary>
    public double ThrowRate { get; set; }

    /// <summary>The chance that an operation hangs until its caller gives up.</summary>
    public double HangRate { get; set; }

    /// <summary>The chance that a read returns a damaged copy of the record.</summary>
    public double CorruptRate { get; set; }

    /// <summary>The chance that a write is dropped (reported as done, but not made).</summary>
    public double DropWriteRate { get; set; }

    /// <summary>The chance that a read finds its record evicted just before.</summary>
    public double EvictRate { get; set; }

    /// <summary>The damage a corrupted record takes, one kind picked at random each time.</summary>
    public RecordDamage Damage { get; set; } = RecordDamage.Any;

    /// <summary>Every call, whatever it did.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public int Throws => Volatile.Read(ref _throws);

    public int Hangs => Volatile.Read(ref _hangs);

    /// <summary>Records damaged, on reads and writes.</summary>
    public int Corruptions => Volatile.Read(ref _corruptions);

    public int DroppedWrites => Volatile.Read(ref _droppedWrites);

    public int Evictions => Volatile.Read(ref _evictions);

    /// <summary>Lets every call held so far (<see cref="StoreFault.Held"/>) go on.</summary>
    public void ReleaseHeld()
    {
        TaskCompletionSource release;
        lock (_gate)
        {
            release = _release;
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        release.TrySetResult();
    }

    /// <summary>Completes when the next call starts to hang (or is held).</summary>
    public Task NextHang
    {
        get
        {
            lock (_gate)
            {
                return _hangStarted.Task;
            }
        }
    }

    public byte[]? Get(string key)
    {
        var fault = Fault(GetFault, key);
        ThrowIfFaulted(fault);
        if (Roll(EvictRate))
        {
            Interlocked.Increment(ref _evictions);
            inner.Remove(key);
        }

        var value = Damaged(inner.Get(key), fault);
        ThrowIfLost(fault);
        return value;
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var fault = Fault(GetFault, key);
        await Misbehave(fault, token);
        if (Roll(EvictRate))
        {
            Interlocked.Increment(ref _evictions);
            await inner.RemoveAsync(key, token);
        }

        var value = Damaged(await inner.GetAsync(key, token), fault);
        ThrowIfLost(fault);
        return value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        var fault = Fault(SetFault, key, corruptible: false);
        ThrowIfFaulted(fault);
        if (!DropWrite())
        {
            inner.Set(key, fault == StoreFault.Corrupt ? DamagedCopy(value) : value, options);
        }

        ThrowIfLost(fault);
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var fault = Fault(SetFault, key, corruptible: false);
        await Misbehave(fault, token);
        if (!DropWrite())
        {
            await inner.SetAsync(key, fault == StoreFault.Corrupt ? DamagedCopy(value) : value, options, token);
        }

        ThrowIfLost(fault);
    }

    public void Refresh(string key)
    {
        var fault = Fault(RefreshFault, key, corruptible: false);
        ThrowIfFaulted(fault);
        inner.Refresh(key);
        ThrowIfLost(fault);
    }

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var fault = Fault(RefreshFault, key, corruptible: false);
        await Misbehave(fault, token);
        await inner.RefreshAsync(key, token);
        ThrowIfLost(fault);
    }

    public void Remove(string key)
    {
        var fault = Fault(RemoveFault, key, corruptible: false);
        ThrowIfFaulted(fault);
        inner.Remove(key);
        ThrowIfLost(fault);
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        var fault = Fault(RemoveFault, key, corruptible: false);
        await Misbehave(fault, token);
        await inner.RemoveAsync(key, token);
        ThrowIfLost(fault);
    }

    /// <summary>Counts the call and decides its fault: the switched one, else one drawn at the chaos rates.</summary>
    private StoreFault Fault(StoreFault switched, string key, bool corruptible = true)
    {
        Interlocked.Increment(ref _calls);
        if (switched != StoreFault.None && (FaultedKeys is null || FaultedKeys(key)))
        {
            return switched;
        }

        return Roll(ThrowRate) ? StoreFault.Throw
            : Roll(HangRate) ? StoreFault.Hang
            : corruptible && Roll(CorruptRate) ? StoreFault.Corrupt
            : StoreFault.None;
    }

    private void ThrowIfFaulted(StoreFault fault)
    {
        switch (fault)
        {
            case StoreFault.Throw:
                Interlocked.Increment(ref _throws);
                throw new InvalidOperationException("The store is down.");
            case StoreFault.Hang or StoreFault.Held:
                throw new NotSupportedException("A synchronous call cannot hang until it is cancelled: the handler uses the asynchronous API.");
        }
    }

    /// <summary>After the operation was carried out: its answer is lost.</summary>
    private void ThrowIfLost(StoreFault fault)
    {
        if (fault == StoreFault.Lost)
        {
            Interlocked.Increment(ref _throws);
            throw new IOException("The connection was lost before the store answered.");
        }
    }

    private async Task Misbehave(StoreFault fault, CancellationToken token)
    {
        if (fault is not (StoreFault.Hang or StoreFault.Held))
        {
            ThrowIfFaulted(fault);
            return;
        }

        TaskCompletionSource started;
        Task release;
        lock (_gate)
        {
            started = _hangStarted;
            _hangStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            release = _release.Task;
        }

        Interlocked.Increment(ref _hangs);
        started.TrySetResult();
        if (fault == StoreFault.Held)
        {
            await release;
            return;
        }

        // Hang until the caller gives up (if it ever does).
        await Task.Delay(Timeout.Infinite, token);
    }

    private bool DropWrite()
    {
        if (!Roll(DropWriteRate))
        {
            return false;
        }

        Interlocked.Increment(ref _droppedWrites);
        return true;
    }

    private byte[]? Damaged(byte[]? value, StoreFault fault) =>
        fault == StoreFault.Corrupt && value is { Length: > 0 } ? DamagedCopy(value) : value;

    /// <summary>A damaged copy of <paramref name="value"/>; the caller's array and the stored one are left alone.</summary>
    private byte[] DamagedCopy(byte[] value)
    {
        RecordDamage[] kinds = [.. new[] { RecordDamage.FlipByte, RecordDamage.Truncate, RecordDamage.Append }.Where(k => Damage.HasFlag(k))];
        lock (_gate)
        {
            Interlocked.Increment(ref _corruptions);
            var kind = value.Length == 0 ? RecordDamage.Append : kinds[_random.Next(kinds.Length)];
            switch (kind)
            {
                case RecordDamage.FlipByte:
                    var flipped = value.ToArray();
                    flipped[_random.Next(flipped.Length)] ^= (byte)(1 + _random.Next(255));
                    return flipped;
                case RecordDamage.Truncate:
                    return value[.._random.Next(value.Length)];
                default:
                    return [.. value, .. Enumerable.Range(0, 1 + _random.Next(8)).Select(_ => (byte)_random.Next(256))];
            }
        }
    }

    private bool Roll(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < rate;
        }
    }
}
