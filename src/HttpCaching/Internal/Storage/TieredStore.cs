using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Internal;

/// <summary>
/// A client's view of its store: the optional near cache in front of the guarded shared store, with the client's
/// timeout. Body versions are kept in the near cache once they have been read and checked; entry records for a short
/// window. Every write goes through to the shared store first.
/// </summary>
internal sealed class TieredStore(GuardedStore shared, NearCache? near, SupersededRecords superseded, string clientName, ThirdPartyCachingOptions options)
{
    /// <summary>The longest a background call (a body's touch, a removal) waits when the client's store timeout is unlimited.</summary>
    private static readonly TimeSpan LongestBackgroundCall = TimeSpan.FromSeconds(30);

    /// <summary>1 while removals the store refused are being retried in the background.</summary>
    private int _retryingRemovals;

    public GuardedStore Shared => shared;

    public ThirdPartyCachingOptions Options => options;

    public string ClientName => clientName;

    /// <summary>
    /// Reads a record: from memory when the near cache has it, otherwise from the shared store. Says which, so that a
    /// record from the shared store can be remembered once it has been checked.
    /// </summary>
    public async ValueTask<(HeldRecord? Record, RecordSource Source)> GetAsync(string key, CancellationToken cancellationToken, StoreBudget? budget = null)
    {
        if (near?.Get(key) is { } cached)
        {
            return (cached, RecordSource.Memory);
        }

        if (near is not null && near.IsRemovalPending(key))
        {
            // An invalidation the store did not take: the store's copy stays hidden until the removal goes through.
            if (!await shared.RemoveAsync(key, clientName, options.StoreTimeout, cancellationToken).ConfigureAwait(false))
            {
                return (null, RecordSource.Unread);
            }

            near.Remove(key);

            // Now that it is done, the other instances drop their copies too.
            shared.Coordination?.Changed(key);
        }

        var slotBefore = near?.SlotOf(key);

        if (Timeout(budget) is { } timeout)
        {
            var started = budget?.Time.GetTimestamp() ?? 0;
            var (value, read) = await shared.TryGetAsync(key, clientName, timeout, cancellationToken).ConfigureAwait(false);
            budget?.Charge(started);
            if (read)
            {
                RetryRemovalsInBackground();
                return (value, new RecordSource(false, slotBefore));
            }
        }

        // The shared store cannot be read: the last known copy, if this instance has one, is better than nothing. The
        // handler still decides from its own times whether it may be served (fresh, or stale-if-error).
        return (near?.GetLastKnown(key), RecordSource.Unread);
    }

    /// <summary>
    /// A record this instance would serve from memory (a body version, a pending record, an entry within its window),
    /// without asking the shared store; <see langword="null"/> when it has none or there is no near cache.
    /// </summary>
    public HeldRecord? GetFromMemory(string key) => near?.Get(key);

    /// <summary>
    /// This instance's last known copy of a record, whatever its window (<see langword="null"/> when it has none or there
    /// is no near cache): what a record just read from the shared store must not be older than.
    /// </summary>
    public HeldRecord? GetLastKnown(string key) => near?.GetLastKnown(key);

    /// <summary>
    /// Keeps a record read from the shared store that turned out valid, for the next reads. Records that came from the
    /// near cache are not kept again, so hits from memory never extend their window; nor is one whose slot changed
    /// while it was read: a concurrent request kept a record there meanwhile, newer than what this slower read found.
    /// </summary>
    public void Remember(string key, HeldRecord record, RecordSource source, bool bodyVersion)
    {
        if (!source.FromMemory)
        {
            near?.SetUnlessChanged(key, source.SlotBefore, record, bodyVersion, options.NearCacheEntryDuration);
        }
    }

    /// <summary>
    /// Writes a record through to the shared store. When the write fails, the near cache keeps the record as pending,
    /// so this instance keeps serving it (and never an older version) while the store is away, and writes it again when
    /// it is next written or refreshed.
    /// </summary>
    public async ValueTask<bool> SetAsync(string key, HeldRecord value, DistributedCacheEntryOptions expiry, bool bodyVersion, CancellationToken cancellationToken, StoreBudget? budget = null)
    {
        bool stored;
        if (bodyVersion)
        {
            // Body versions are written once and never removed as superseded: nothing to wait for.
            stored = await WriteAsync(key, value, expiry, budget, removal: null, replaceable: false, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var earlier = shared.ClaimFollowUp(key);
            var removal = superseded.BeginWrite(key);
            try
            {
                stored = await WriteAsync(key, value, expiry, budget, removal, replaceable: true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                superseded.EndWrite(key);
                RemoveAfter(earlier, key);
            }
        }

        if (stored)
        {
            near?.Set(key, value, bodyVersion, options.NearCacheEntryDuration);
            if (!bodyVersion)
            {
                // Body versions never change; any other record does, and other instances may hold a copy of it.
                shared.Coordination?.Changed(key);
            }
        }
        else
        {
            near?.SetPending(key, value, expiry);
        }

        return stored;
    }

    /// <summary>
    /// Writes a record to the shared store within the request's budget, once the removal of that key under way (if any,
    /// <paramref name="removal"/>) is over; says whether the store took it. A <paramref name="replaceable"/> record (not
    /// a body version, which is written once) is one whose late landing the shared store watches for.
    /// </summary>
    private async ValueTask<bool> WriteAsync(string key, HeldRecord value, DistributedCacheEntryOptions expiry, StoreBudget? budget, Task? removal, bool replaceable, CancellationToken cancellationToken)
    {
        if (Timeout(budget) is not { } timeout)
        {
            return false;
        }

        var started = budget?.Time.GetTimestamp() ?? 0;
        if (removal is not null)
        {
            var ended = await WithinAsync(removal, Bounded(timeout), budget, cancellationToken).ConfigureAwait(false);
            budget?.Charge(started);
            if (!ended || Timeout(budget) is not { } left)
            {
                return false;
            }

            (timeout, started) = (left, budget?.Time.GetTimestamp() ?? 0);
        }

        var stored = await shared.SetAsync(key, value, expiry, clientName, timeout, cancellationToken, replaceable).ConfigureAwait(false);
        budget?.Charge(started);
        return stored;
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/> (by the budget's clock, or the store's); says whether it ended.</summary>
    private async ValueTask<bool> WithinAsync(Task task, TimeSpan timeout, StoreBudget? budget, CancellationToken cancellationToken)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        try
        {
            await task.WaitAsync(timeout, budget?.Time ?? shared.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Keeps a body version alive in the shared store when this instance serves it from memory: near-cache hits never
    /// touch it there, so under an evicting store (Redis <c>allkeys-lru</c>) the body would go while the entry that
    /// points at it stays, and other instances would miss. Called when the entry record was read from the shared store
    /// (once per near-cache window), in the background: no request waits for it, and a failure changes nothing.
    /// </summary>
    public void TouchInBackground(string bodyKey)
    {
        if (near is null)
        {
            return;
        }

        // Bounded even when the client's store timeout is not, so a hung store cannot pile these up.
        var touch = shared.RefreshAsync(bodyKey, clientName, BackgroundTimeout, CancellationToken.None);
        if (!touch.IsCompleted)
        {
            _ = touch.AsTask();
        }
    }

    /// <summary>
    /// The store answers again: the removals it refused before (invalidations, purges, and records older than a version
    /// this instance served: <see cref="RemoveSupersededAsync"/>) are made now, in the background, and announced,
    /// instead of waiting for this instance's next read of each URL while the others serve the store's copy. One retry
    /// at a time; it stops at the first removal the store refuses again.
    /// </summary>
    private void RetryRemovalsInBackground()
    {
        if ((near is not { HasRemovalsPending: true } && superseded.IsEmpty) || Interlocked.CompareExchange(ref _retryingRemovals, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                foreach (var key in near?.RemovalsPending() ?? [])
                {
                    if (!near!.IsRemovalPending(key))
                    {
                        // Written again since (a newer record replaced the marker): nothing left to remove.
                        continue;
                    }

                    if (!await shared.RemoveAsync(key, clientName, options.StoreTimeout, CancellationToken.None).ConfigureAwait(false))
                    {
                        return;
                    }

                    if (near.IsRemovalPending(key))
                    {
                        near.Remove(key);
                    }

                    shared.Coordination?.Changed(key);
                }

                foreach (var (key, older) in superseded.Pending)
                {
                    if (!await TryRemoveOlderAsync(key, older, budget: null).ConfigureAwait(false))
                    {
                        return;
                    }

                    superseded.Done(key, older);
                }
            }
            catch (ObjectDisposedException)
            {
                // The client's cache went with its service provider.
            }
            finally
            {
                Volatile.Write(ref _retryingRemovals, 0);
            }
        });
    }

    /// <summary>
    /// Reads a record from the shared store itself, past the near cache, within what the request's budget has left
    /// (the client's store timeout without one); <see langword="null"/> when absent, unreadable or the budget is spent.
    /// </summary>
    public async ValueTask<HeldRecord?> ReadSharedAsync(string key, CancellationToken cancellationToken, StoreBudget? budget = null) =>
        (await TryReadSharedAsync(key, cancellationToken, budget).ConfigureAwait(false)).Value;

    /// <summary>
    /// <see cref="ReadSharedAsync"/>, telling a record that is not there (<c>Read</c> true, <c>Value</c> null) from a
    /// store that could not be read (<c>Read</c> false: it failed, did not answer in time, the breaker is open, or the
    /// budget is spent).
    /// </summary>
    /// <remarks>
    /// Without <paramref name="charge"/>, a read that answers is bounded by what the budget has left but does not use it
    /// up: a check made between an origin response and its writes leaves the writes the time they had. One that fails
    /// or times out is charged, so a store that hangs still costs the request one store timeout in all.
    /// </remarks>
    public async ValueTask<(HeldRecord? Value, bool Read)> TryReadSharedAsync(string key, CancellationToken cancellationToken, StoreBudget? budget = null, bool charge = true)
    {
        if (Timeout(budget) is not { } timeout)
        {
            return (null, false);
        }

        var started = budget?.Time.GetTimestamp() ?? 0;
        var result = await shared.TryGetAsync(key, clientName, timeout, cancellationToken).ConfigureAwait(false);
        if (charge || !result.Read)
        {
            // A read that failed or timed out is charged either way: a store that hangs costs a request one timeout.
            budget?.Charge(started);
        }

        return result;
    }

    /// <summary>Whether this instance holds a removal of <paramref name="key"/> that the store has not taken yet (an invalidation).</summary>
    public bool IsRemovalPending(string key) => near is not null && near.IsRemovalPending(key);


    /// <summary>
    /// Drops this instance's copy of a record, so the next read goes to the shared store. A removal still pending here
    /// (an invalidation the store refused) is kept: dropped, the next read would find the removed record in the store.
    /// </summary>
    public void Forget(string key)
    {
        if (near is not null && !near.IsRemovalPending(key))
        {
            near.Remove(key);
        }
    }

    /// <summary>Whether this instance holds <paramref name="key"/> as pending: its write to the shared store failed.</summary>
    public bool IsPending(string key) => near is not null && near.TryGetPending(key, out _, out _);

    /// <summary>Keeps a record in the near cache only, pending, without trying the shared store.</summary>
    public void KeepPending(string key, HeldRecord value, DistributedCacheEntryOptions expiry) => near?.SetPending(key, value, expiry);

    /// <summary>
    /// Keeps a record alive in the shared store (a body version after a 304). A record still pending in the near cache
    /// is written instead, since the store may never have had it.
    /// </summary>
    public ValueTask<bool> RefreshAsync(string key, CancellationToken cancellationToken, StoreBudget? budget = null)
    {
        if (near is not null && near.TryGetPending(key, out var value, out var expiry))
        {
            return SetAsync(key, value, expiry, bodyVersion: true, cancellationToken, budget);
        }

        return Timeout(budget) is { } timeout
            ? ChargedAsync(shared.RefreshAsync(key, clientName, timeout, cancellationToken), budget, budget?.Time.GetTimestamp() ?? 0)
            : ValueTask.FromResult(false);

        static async ValueTask<bool> ChargedAsync(ValueTask<bool> call, StoreBudget? budget, long started)
        {
            var done = await call.ConfigureAwait(false);
            budget?.Charge(started);
            return done;
        }
    }

    /// <summary>
    /// Removes a record; never skipped for a spent budget, since a removal that did not happen can leave an outdated
    /// response in use. When the store does not take it, the near cache remembers it and retries it on the next read.
    /// </summary>
    public ValueTask<bool> RemoveAsync(string key, CancellationToken cancellationToken) => RemoveAsync(key, options.StoreTimeout, cancellationToken);

    /// <summary>
    /// Removes a record as <see cref="RemoveAsync(string, CancellationToken)"/> does, for work no request waits for: bounded
    /// by <see cref="LongestBackgroundCall"/> even when the client's store timeout is unlimited.
    /// </summary>
    public ValueTask<bool> RemoveInBackgroundAsync(string key) => RemoveAsync(key, BackgroundTimeout, CancellationToken.None);

    private async ValueTask<bool> RemoveAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var earlier = shared.ClaimFollowUp(key);
        near?.Remove(key);
        bool removed;
        try
        {
            removed = await shared.RemoveAsync(key, clientName, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RemoveAfter(earlier, key);
        }

        if (!removed)
        {
            // The store is down or the breaker open: remember the removal, so the store's copy is never served.
            near?.SetRemovalPending(key);
        }
        else
        {
            shared.Coordination?.Changed(key);
        }

        return removed;
    }

    /// <summary>
    /// After a removal or a write of <paramref name="key"/> made while <paramref name="earlier"/> (a write of it given up
    /// on, <see cref="GuardedStore.ClaimFollowUp"/>) had not ended: once that one ends, however it ends, the key is
    /// removed again, as work no request waits for (<see cref="RemoveInBackgroundAsync"/>: from this instance's memory
    /// too, since a read may have found the late write meanwhile, and remembered when the store does not take it).
    /// </summary>
    private void RemoveAfter(Task? earlier, string key)
    {
        if (earlier is not null)
        {
            _ = RemoveAfterAsync(earlier, key);
        }
    }

    private async Task RemoveAfterAsync(Task earlier, string key)
    {
        // Its failure, if it failed, was counted when it was given up on; whether it landed is not known either way.
        await earlier.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await RemoveInBackgroundAsync(key).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The client's cache went with its service provider.
        }
    }

    /// <summary>
    /// Removes a record of the shared store whose successor this instance served but could not write there (the store
    /// refused it, or is away), if the store still holds that record (one of <paramref name="older"/>; a newer one another
    /// instance stored since is left alone): left in place, the older version would be served after the newer one, by
    /// every other instance and, without a near cache, by this one. This instance's own pending copy stays. The request
    /// waits for it while its budget lasts; then it goes on in the background, and, should the store refuse it too, it
    /// is made with the refused removals once the store answers again (<see cref="RetryRemovalsInBackground"/>; up to
    /// <see cref="SupersededRecords.MaxKeys"/> keys are remembered).
    /// </summary>
    public async ValueTask RemoveSupersededAsync(string key, OlderVersions older, StoreBudget? budget)
    {
        if (budget is not null && await TryRemoveOlderAsync(key, older, budget).ConfigureAwait(false))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (!await TryRemoveOlderAsync(key, older, budget: null).ConfigureAwait(false))
                {
                    superseded.Remember(key, older);
                }
            }
            catch (ObjectDisposedException)
            {
                // The client's cache went with its service provider.
            }
        });
    }

    /// <summary>
    /// Reads <paramref name="key"/> and removes it if it still holds one of <paramref name="older"/>; says whether that is done (also
    /// when the key is empty or holds another record). Not while this instance writes that key: the two calls exclude
    /// its writes of the key (<see cref="SupersededRecords.TryBeginRemoval"/>), so a newer record it writes meanwhile is
    /// never the one removed; a removal that finds a write under way waits for it to end, then reads what it left (a
    /// failed write leaves the older record, which goes). Each call and each wait within what <paramref name="budget"/>
    /// has left, or, without one, within <see cref="BackgroundTimeout"/>.
    /// </summary>
    private async ValueTask<bool> TryRemoveOlderAsync(string key, OlderVersions older, StoreBudget? budget)
    {
        // This instance writing the key (a newer record), or removing it already: wait for that to end, then read what it
        // left. Twice at most, each wait within the call's timeout; a key still busy then is left for a later retry.
        for (var attempt = 0; superseded.TryBeginRemoval(key) is { } busy; attempt++)
        {
            var started = budget?.Time.GetTimestamp() ?? 0;
            var ended = attempt < 2
                && CallTimeout(budget) is { } timeout
                && await WithinAsync(busy, timeout, budget, CancellationToken.None).ConfigureAwait(false);
            budget?.Charge(started);
            if (!ended)
            {
                return false;
            }
        }

        try
        {
            return await RemoveIfOlderAsync(key, older, budget).ConfigureAwait(false);
        }
        finally
        {
            superseded.EndRemoval(key);
        }
    }

    /// <summary>The read and the removal of <see cref="TryRemoveOlderAsync"/>, once it holds the key.</summary>
    private async ValueTask<bool> RemoveIfOlderAsync(string key, OlderVersions older, StoreBudget? budget)
    {
        if (CallTimeout(budget) is not { } readTimeout)
        {
            return false;
        }

        var started = budget?.Time.GetTimestamp() ?? 0;
        var (value, read) = await shared.TryGetAsync(key, clientName, readTimeout, CancellationToken.None).ConfigureAwait(false);
        budget?.Charge(started);
        if (!read)
        {
            return false;
        }

        if (value is null || !older.Holds(value))
        {
            return true;
        }

        if (CallTimeout(budget) is not { } removeTimeout)
        {
            return false;
        }

        started = budget?.Time.GetTimestamp() ?? 0;
        var removed = await shared.RemoveAsync(key, clientName, removeTimeout, CancellationToken.None).ConfigureAwait(false);
        budget?.Charge(started);
        if (removed)
        {
            shared.Coordination?.Changed(key);
        }

        return removed;
    }

    /// <summary>
    /// The timeout of a call of a removal: within the request's budget, or, for work no request waits for,
    /// <see cref="BackgroundTimeout"/>; never unlimited, since this instance's writes of the key wait for the removal.
    /// </summary>
    private TimeSpan? CallTimeout(StoreBudget? budget) => budget is null ? BackgroundTimeout : Timeout(budget) is { } timeout ? Bounded(timeout) : null;

    /// <summary><paramref name="timeout"/>, or <see cref="LongestBackgroundCall"/> in place of an unlimited one.</summary>
    private static TimeSpan Bounded(TimeSpan timeout) => timeout == System.Threading.Timeout.InfiniteTimeSpan ? LongestBackgroundCall : timeout;

    /// <summary>The client's store timeout for work no request waits for, bounded even when the client's is not.</summary>
    private TimeSpan BackgroundTimeout => Bounded(options.StoreTimeout);

    /// <summary>The timeout of the next call: the client's, shortened to what the request's budget has left; <see langword="null"/> when it is spent.</summary>
    private TimeSpan? Timeout(StoreBudget? budget)
    {
        if (budget is null)
        {
            return options.StoreTimeout;
        }

        return budget.Next() is { } left
            ? (options.StoreTimeout == System.Threading.Timeout.InfiniteTimeSpan || left < options.StoreTimeout ? left : options.StoreTimeout)
            : null;
    }
}
