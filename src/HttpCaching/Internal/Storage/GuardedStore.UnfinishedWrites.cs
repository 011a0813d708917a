namespace HttpCaching.Internal;

/// <summary>
/// Writes given up on before they ended. A store that does not answer in time may still carry out the write later: one
/// of a URL's entry record that lands after a later removal (an invalidation, a late message's removal) would bring back
/// what the origin said before the change, and one that lands after a later write would put an older record over a
/// newer one. Such a write is watched until it ends; a removal or a write of its key made meanwhile is followed, once
/// it ends, by a removal of the key, in the background: a removal too many is only a miss.
/// </summary>
internal sealed partial class GuardedStore
{
    /// <summary>
    /// The most writes watched at once; later ones are not watched. A store that leaves this many writes hanging has long
    /// opened the breaker.
    /// </summary>
    public const int MaxUnfinishedWrites = 1024;

    /// <summary>The longest the removal after a late write waits for the store when the client's store timeout is unlimited.</summary>
    private static readonly TimeSpan LongestRemovalAfterLateWrite = TimeSpan.FromSeconds(30);

    private readonly Lock _unfinishedGate = new();
    private readonly Dictionary<string, Task> _unfinished = new(StringComparer.Ordinal);
    private int _unfinishedCount;

    /// <summary>Watches <paramref name="write"/> of <paramref name="key"/>, given up on, until it ends.</summary>
    private void WatchUnfinished(string key, Task write)
    {
        lock (_unfinishedGate)
        {
            if (_unfinished.Count >= MaxUnfinishedWrites && !_unfinished.ContainsKey(key))
            {
                return;
            }

            _unfinished[key] = write;
            Volatile.Write(ref _unfinishedCount, _unfinished.Count);
        }

        _ = write.ContinueWith(
            (ended, state) => ((GuardedStore)state!).Ended(key, ended),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Ended(string key, Task write)
    {
        lock (_unfinishedGate)
        {
            if (_unfinished.TryGetValue(key, out var watched) && ReferenceEquals(watched, write))
            {
                _unfinished.Remove(key);
                Volatile.Write(ref _unfinishedCount, _unfinished.Count);
            }
        }
    }

    /// <summary>The write of <paramref name="key"/> given up on that has not ended yet, if any; no lock while none is watched.</summary>
    private Task? UnfinishedWrite(string key)
    {
        if (Volatile.Read(ref _unfinishedCount) == 0)
        {
            return null;
        }

        lock (_unfinishedGate)
        {
            return _unfinished.TryGetValue(key, out var write) && !write.IsCompleted ? write : null;
        }
    }

    /// <summary>
    /// After a removal or a write of <paramref name="key"/> made while <paramref name="earlier"/> (a write of it given up
    /// on) had not ended: once that one ends, however it ends, the key is removed again, and the other instances are told
    /// the record changed.
    /// </summary>
    private void RemoveAfter(Task? earlier, string key, string clientName, TimeSpan timeout)
    {
        if (earlier is not null)
        {
            _ = RemoveAfterAsync(earlier, key, clientName, timeout == Timeout.InfiniteTimeSpan ? LongestRemovalAfterLateWrite : timeout);
        }
    }

    private async Task RemoveAfterAsync(Task earlier, string key, string clientName, TimeSpan timeout)
    {
        // Its failure, if it failed, was counted when it was given up on; whether it landed is not known either way.
        await earlier.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (await RemoveAsync(key, clientName, timeout, CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                Coordination?.Changed(key);
            }
            catch (ObjectDisposedException)
            {
                // The coordination went with its service provider.
            }
        }
    }
}
