using System.Collections.Concurrent;
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
/// under way, and a removal waits for the writes under way to end, then reads what they left. Every wait is bounded by
/// the caller.
/// Another instance's write can still fall between the two calls and be removed: a miss here, after which that
/// instance's records are no longer there to stop a slower third one's older write.
/// </remarks>
internal sealed class SupersededRecords
{
    /// <summary>The most keys remembered at once; past it, further refused removals are given up.</summary>
    public const int MaxKeys = 4096;

    private readonly ConcurrentDictionary<string, OlderVersions> _records = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();

    /// <summary>The keys this instance is writing or removing now (under <see cref="_gate"/>).</summary>
    private readonly Dictionary<string, KeyState> _busy = new(StringComparer.Ordinal);

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
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_busy, key, out _);
            state ??= new KeyState();
            state.Writes++;
            return state.Removal?.Task;
        }
    }

    /// <summary>The write <see cref="BeginWrite"/> began is over: a removal waiting for the key's writes goes ahead.</summary>
    public void EndWrite(string key)
    {
        TaskCompletionSource? writesDone = null;
        lock (_gate)
        {
            if (_busy.TryGetValue(key, out var state) && --state.Writes == 0)
            {
                (writesDone, state.WritesDone) = (state.WritesDone, null);
                if (state.Removal is null)
                {
                    _busy.Remove(key);
                }
            }
        }

        writesDone?.TrySetResult();
    }

    /// <summary>
    /// A removal of <paramref name="key"/> begins (<see langword="null"/>; <see cref="EndRemoval"/> must follow), or,
    /// while this instance writes that key or removes it already, the task to wait for before trying again.
    /// </summary>
    public Task? TryBeginRemoval(string key)
    {
        lock (_gate)
        {
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_busy, key, out _);
            state ??= new KeyState();
            if (state.Removal is { } other)
            {
                return other.Task;
            }

            if (state.Writes > 0)
            {
                state.WritesDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return state.WritesDone.Task;
            }

            state.Removal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return null;
        }
    }

    /// <summary>The removal <see cref="TryBeginRemoval"/> began is over: the writes waiting for it go ahead.</summary>
    public void EndRemoval(string key)
    {
        TaskCompletionSource? removal = null;
        lock (_gate)
        {
            if (_busy.TryGetValue(key, out var state))
            {
                (removal, state.Removal) = (state.Removal, null);
                if (state.Writes == 0)
                {
                    _busy.Remove(key);
                }
            }
        }

        removal?.TrySetResult();
    }

    /// <summary>What is under way for one key.</summary>
    private sealed class KeyState
    {
        /// <summary>This instance's writes of the key under way.</summary>
        public int Writes;

        /// <summary>Completed when the last of those writes ends, for a removal waiting for them.</summary>
        public TaskCompletionSource? WritesDone;

        /// <summary>The removal of the key under way, completed when it ends.</summary>
        public TaskCompletionSource? Removal;
    }
}
