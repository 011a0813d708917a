namespace HttpCaching.Internal;

/// <summary>
/// Writes given up on before they ended. A store that does not answer in time may still carry out the write later: one
/// of a URL's entry record that lands after a later removal (an invalidation, a late message's removal) would bring back
/// what the origin said before the change, and one that lands after a later write would put an older record over a
/// newer one. Such a write is watched until it ends; a removal or a write of its key made meanwhile is followed, once
/// it ends, by a removal of the key (<see cref="TieredStore"/> makes it): a removal too many is only a miss.
/// </summary>
internal sealed partial class GuardedStore
{
    /// <summary>
    /// The most keys watched at once; writes of other keys given up on meanwhile are not watched. A store that leaves
    /// this many writes hanging has long opened the breaker.
    /// </summary>
    public const int MaxUnfinishedWrites = 1024;

    private readonly Lock _unfinishedGate = new();
    private readonly Dictionary<string, Unfinished> _unfinished = new(StringComparer.Ordinal);
    private int _unfinishedCount;

    /// <summary>
    /// Watches <paramref name="write"/> of <paramref name="key"/>, given up on, until it ends; with any earlier one of the
    /// key that has not ended either, so that neither is forgotten when the other ends first.
    /// </summary>
    private void WatchUnfinished(string key, Task write)
    {
        Task watched;
        lock (_unfinishedGate)
        {
            if (_unfinished.TryGetValue(key, out var earlier))
            {
                watched = earlier.Write.IsCompleted ? write : Task.WhenAll(earlier.Write, write);
            }
            else if (_unfinished.Count >= MaxUnfinishedWrites)
            {
                return;
            }
            else
            {
                watched = write;
            }

            _unfinished[key] = new Unfinished(watched);
            Volatile.Write(ref _unfinishedCount, _unfinished.Count);
        }

        _ = watched.ContinueWith(
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
            if (_unfinished.TryGetValue(key, out var watched) && ReferenceEquals(watched.Write, write))
            {
                _unfinished.Remove(key);
                Volatile.Write(ref _unfinishedCount, _unfinished.Count);
            }
        }
    }

    /// <summary>
    /// Before a removal or a write of <paramref name="key"/>: the write of it given up on that has not ended yet, when no
    /// call before this one was given it (one removal after it ends does for every call made before then); the caller
    /// removes the key again once it has ended. No lock while nothing is watched.
    /// </summary>
    public Task? ClaimFollowUp(string key)
    {
        if (Volatile.Read(ref _unfinishedCount) == 0)
        {
            return null;
        }

        lock (_unfinishedGate)
        {
            if (!_unfinished.TryGetValue(key, out var watched) || watched.Write.IsCompleted || watched.FollowUpClaimed)
            {
                return null;
            }

            watched.FollowUpClaimed = true;
            return watched.Write;
        }
    }

    /// <summary>A key's unfinished write, and whether a removal after it is already to be made.</summary>
    private sealed class Unfinished(Task write)
    {
        public Task Write { get; } = write;

        public bool FollowUpClaimed { get; set; }
    }
}
