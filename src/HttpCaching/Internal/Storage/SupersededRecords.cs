using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HttpCaching.Internal;

/// <summary>
/// Records of the shared store older than a version this instance served, whose removal the store refused
/// (<see cref="TieredStore.RemoveSupersededAsync"/>), each with the versions that make a record there one to remove;
/// removed once the store answers again. One per client, for its lifetime: it outlives the store tier an options change
/// rebuilds.
/// </summary>
/// <remarks>
/// Such a removal reads the key, then removes it if it still holds an older version: two calls, between which a write of
/// the key by this instance would be lost (a newer version removed). So removals and this instance's writes of the same
/// key exclude each other here (<see cref="BeginWrite"/>, <see cref="TryBeginRemoval"/>): a write waits for a removal
/// under way, and a removal gives way to a write under way (it is retried later, and then reads what was written).
/// Another instance's write can still fall between the two calls; that costs a miss, never an older version.
/// </remarks>
internal sealed class SupersededRecords
{
    /// <summary>The most keys remembered at once; past it, further refused removals are given up.</summary>
    public const int MaxKeys = 4096;

    private readonly ConcurrentDictionary<string, OlderVersions> _records = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();

    /// <summary>This instance's writes under way, per key (under <see cref="_gate"/>).</summary>
    private readonly Dictionary<string, int> _writing = new(StringComparer.Ordinal);

    /// <summary>The removals under way, per key, each completed when it ends (under <see cref="_gate"/>).</summary>
    private readonly Dictionary<string, TaskCompletionSource> _removing = new(StringComparer.Ordinal);

    public bool IsEmpty => _records.IsEmpty;

    /// <summary>
    /// Remembers that <paramref name="key"/> must go while it holds one of <paramref name="older"/>. A key already
    /// remembered keeps its earlier versions too (up to <see cref="OlderVersions.MaxVersions"/>): every version this
    /// instance served over is still one to remove.
    /// </summary>
    public void Remember(string key, OlderVersions older)
    {
        if (_records.Count >= MaxKeys && !_records.ContainsKey(key))
        {
            return;
        }

        _records.AddOrUpdate(key, older, (_, earlier) => earlier.With(older));
    }

    /// <summary>The keys remembered, each with its versions.</summary>
    public IEnumerable<KeyValuePair<string, OlderVersions>> Pending => _records;

    /// <summary>Forgets <paramref name="key"/> if its versions are still <paramref name="older"/> (not widened since).</summary>
    public void Done(string key, OlderVersions older) =>
        _records.TryRemove(new KeyValuePair<string, OlderVersions>(key, older));

    /// <summary>
    /// A write of <paramref name="key"/> to the shared store begins; <see cref="EndWrite"/> must follow. Returns the
    /// removal of that key under way, which the write waits for, or <see langword="null"/>.
    /// </summary>
    public Task? BeginWrite(string key)
    {
        lock (_gate)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_writing, key, out _);
            count++;
            return _removing.TryGetValue(key, out var removal) ? removal.Task : null;
        }
    }

    /// <summary>The write <see cref="BeginWrite"/> began is over.</summary>
    public void EndWrite(string key)
    {
        lock (_gate)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_writing, key);
            if (!Unsafe.IsNullRef(ref count) && --count == 0)
            {
                _writing.Remove(key);
            }
        }
    }

    /// <summary>
    /// A removal of <paramref name="key"/> begins, unless this instance is writing that key or removing it already;
    /// <see cref="EndRemoval"/> must follow when it does.
    /// </summary>
    public bool TryBeginRemoval(string key)
    {
        lock (_gate)
        {
            return !_writing.ContainsKey(key) && _removing.TryAdd(key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>The removal <see cref="TryBeginRemoval"/> began is over: the writes waiting for it go ahead.</summary>
    public void EndRemoval(string key)
    {
        TaskCompletionSource? removal;
        lock (_gate)
        {
            _removing.Remove(key, out removal);
        }

        removal?.TrySetResult();
    }
}
