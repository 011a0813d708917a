using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

/// <summary>
/// Every call the handler makes to a store goes through here: each call is bounded by the client's store timeout, a
/// failure is logged and counted but never thrown, and after repeated failures the store is left alone for a short,
/// growing interval (a breaker) before it is tried again. One instance per store, shared by the clients that use it.
/// What it sees is kept for the health check (<see cref="Health"/>), and each call is an event on the traced request
/// that made it.
/// </summary>
internal sealed partial class GuardedStore(IDistributedCache store, TimeProvider time, HttpCachingMetrics metrics, ILogger logger)
{
    /// <summary>Consecutive failures that open the breaker.</summary>
    public const int FailureThreshold = 5;

    public static readonly TimeSpan MinimumBreak = TimeSpan.FromSeconds(1);
    /// <summary>
    /// The longest break: a store that has recovered is probed, and caching through it resumes, within this long.
    /// </summary>
    public static readonly TimeSpan MaximumBreak = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The first and the longest break of writes alone, after <see cref="FailureThreshold"/> write failures in a row:
    /// a store that refuses writes (full, read-only, <c>noeviction</c>) usually answers reads, which keep the main
    /// breaker closed, so writes need a breaker of their own; a full store frees room slowly, so it grows further.
    /// </summary>
    public static readonly TimeSpan MinimumWriteBreak = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinimumWriteBreak"/>
    public static readonly TimeSpan MaximumWriteBreak = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly LogThrottle _throttle = new(time);
    private int _consecutiveFailures;
    private long _openUntilTicks;
    private TimeSpan _nextBreak = MinimumBreak;
    private long _failingSinceTicks;
    private long _lastFailureTicks;
    private bool _lastFailureTimedOut;
    private int _openingsSinceFailing;
    private int _consecutiveWriteFailures;
    private long _writesOpenUntilTicks;
    private TimeSpan _nextWriteBreak = MinimumWriteBreak;

    public IDistributedCache Store => store;

    /// <summary>The coordination of the instances that share the store (backplane, leases); <see langword="null"/> when it has none.</summary>
    public StoreCoordination? Coordination { get; init; }

    /// <summary>Whether the store keeps records in this process already, so a near cache in front of it is pointless.</summary>
    public bool InProcess { get; } = store is MemoryDistributedCache or DefaultMemoryStore;

    /// <summary>Whether the breaker is open now: calls are skipped. A breaker that never opened costs no clock read.</summary>
    public bool IsOpen => Interlocked.Read(ref _openUntilTicks) is var until and not 0 && time.GetUtcNow().UtcTicks < until;

    /// <summary>Whether writes (set, refresh) are suspended now, while reads and removals go on.</summary>
    public bool WritesSuspended => Interlocked.Read(ref _writesOpenUntilTicks) is var until and not 0 && time.GetUtcNow().UtcTicks < until;

    /// <summary>What the calls so far say about the store, as of now.</summary>
    public StoreHealth Health()
    {
        lock (_gate)
        {
            return new StoreHealth(
                time.GetUtcNow(),
                _consecutiveFailures,
                Time(_failingSinceTicks),
                Time(_lastFailureTicks),
                _lastFailureTimedOut,
                Time(_openUntilTicks),
                _openingsSinceFailing,
                Time(Interlocked.Read(ref _writesOpenUntilTicks)),
                Volatile.Read(ref _unfinishedCount));
        }

        static DateTimeOffset? Time(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    /// <summary>The clock the store's timeouts run on.</summary>
    public TimeProvider Time => time;

    public async ValueTask<HeldRecord?> GetAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken) =>
        (await TryGetAsync(key, clientName, timeout, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>
    /// Reads a record; <c>Read</c> is <see langword="false"/> when the store could not be read (it failed, did not
    /// answer in time, or the breaker is open), as opposed to a record that is simply not there. The library's own
    /// memory store gives the holder it keeps the record in; another in-process store the one holder of its array;
    /// any other store a new one.
    /// </summary>
    public async ValueTask<(HeldRecord? Value, bool Read)> TryGetAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (store is DefaultMemoryStore)
        {
            return await GuardAsync(HttpCachingDiagnostics.StoreOperationGet, clientName, timeout, key, static (store, key, _) => ((DefaultMemoryStore)store).GetHeldAsync(key), cancellationToken).ConfigureAwait(false) is Task<HeldRecord?> held
                ? (held.Result, true)
                : (null, false);
        }

        return await GuardAsync(HttpCachingDiagnostics.StoreOperationGet, clientName, timeout, key, static (store, key, token) => store.GetAsync(key, token), cancellationToken).ConfigureAwait(false) is Task<byte[]?> done
            ? (done.Result switch { null => null, var data when InProcess => HeldRecord.OfArray(data), var data => new HeldRecord(data) }, true)
            : (null, false);
    }

    /// <summary>
    /// Writes a record. A write of a key whose record can be replaced by another (<paramref name="replaceable"/>: an entry
    /// or Vary record, not a body version) that is given up on before it ended is watched until it ends
    /// (<see cref="ClaimFollowUp"/>).
    /// </summary>
    public async ValueTask<bool> SetAsync(string key, HeldRecord value, DistributedCacheEntryOptions lifetime, string clientName, TimeSpan timeout, CancellationToken cancellationToken, bool replaceable = true) =>
        await GuardAsync(
            HttpCachingDiagnostics.StoreOperationSet,
            clientName,
            timeout,
            (key, value, lifetime),
            static (store, call, token) => store is DefaultMemoryStore memory ? memory.SetAsync(call.key, call.value, call.lifetime) : store.SetAsync(call.key, Written(store, call.value), call.lifetime, token),
            cancellationToken,
            watchedKey: replaceable ? key : null).ConfigureAwait(false) is not null;

    /// <summary>
    /// The bytes to write; an in-process store returns that very array on its reads, which then find the holder
    /// written, with what it knows.
    /// </summary>
    private static byte[] Written(IDistributedCache store, HeldRecord record)
    {
        if (store is MemoryDistributedCache)
        {
            HeldRecord.Adopt(record);
        }

        return record.Data;
    }

    public async ValueTask<bool> RefreshAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken) =>
        await GuardAsync(HttpCachingDiagnostics.StoreOperationRefresh, clientName, timeout, key, static (store, key, token) => store.RefreshAsync(key, token), cancellationToken).ConfigureAwait(false) is not null;

    public async ValueTask<bool> RemoveAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken) =>
        await GuardAsync(HttpCachingDiagnostics.StoreOperationRemove, clientName, timeout, key, static (store, key, token) => store.RemoveAsync(key, token), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// The guard every store call goes through: skipped while the breaker is open, bounded by
    /// <paramref name="timeout"/>, traced on the request's activity, and counted towards the breaker. Returns the
    /// call's completed task, or <see langword="null"/> when it was skipped, failed or did not answer in time; it throws
    /// only when the caller's own token is cancelled. A write of <paramref name="watchedKey"/> that is given up on before
    /// it ended (it did not answer in time, or the caller's token was cancelled) is watched until it ends.
    /// </summary>
    private async ValueTask<Task?> GuardAsync<TState>(
        string operation,
        string clientName,
        TimeSpan timeout,
        TState state,
        Func<IDistributedCache, TState, CancellationToken, Task> call,
        CancellationToken cancellationToken,
        string? watchedKey = null)
    {
        var activity = HttpCachingTracing.CurrentRequest();
        var write = IsWrite(operation);
        if (IsOpen || (write && WritesSuspended))
        {
            Skipped(activity, operation);
            return null;
        }

        var started = Started(activity);
        Task? pending = null;
        try
        {
            // Stores in process memory answer at once: no timer, no extra task.
            pending = call(store, state, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                await Bounded(pending, timeout, cancellationToken).ConfigureAwait(false);
            }

            Succeeded(activity, operation, started);
            if (write)
            {
                WriteSucceeded();
            }

            return pending;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && watchedKey is not null && pending is { IsCompleted: false })
        {
            WatchUnfinished(watchedKey, pending);
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (watchedKey is not null && pending is { IsCompleted: false })
            {
                WatchUnfinished(watchedKey, pending);
            }

            // A set refused for its value (an argument exception naming the value: a body above the item size of a
            // memcached, say) says nothing of the store's health: not stored, and counted towards neither breaker.
            var refusedValue = operation == HttpCachingDiagnostics.StoreOperationSet && ex is ArgumentException { ParamName: "value" };
            Failed(ex, clientName, operation, activity, started, countTowardsBreaker: !refusedValue);
            if (write && !refusedValue && ex is not TimeoutException)
            {
                // A refused write; a slow one is the main breaker's business (and may only have had what was left of
                // the request's store budget).
                WriteFailed();
            }

            return null;
        }
    }

    private async Task Bounded(Task operation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (operation.IsCompleted || timeout == Timeout.InfiniteTimeSpan)
        {
            await operation.ConfigureAwait(false);
            return;
        }

        try
        {
            await operation.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The abandoned call may still fail later; observe it so it is not reported as unobserved.
            _ = operation.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Set and refresh write; a removal is never suspended, since one that did not happen can leave an outdated response in use.</summary>
    private static bool IsWrite(string operation) =>
        operation is HttpCachingDiagnostics.StoreOperationSet or HttpCachingDiagnostics.StoreOperationRefresh;

    private void WriteSucceeded()
    {
        if (Volatile.Read(ref _consecutiveWriteFailures) == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_consecutiveWriteFailures >= FailureThreshold)
            {
                Log.WritesResumed(logger);
            }

            _consecutiveWriteFailures = 0;
            _nextWriteBreak = MinimumWriteBreak;
        }
    }

    /// <summary>
    /// Counts a failed write. Successful reads do not reset the count, so a store that answers reads but refuses
    /// every write is left alone for writes, for a growing interval, logged once per opening.
    /// </summary>
    private void WriteFailed()
    {
        lock (_gate)
        {
            _consecutiveWriteFailures++;
            var now = time.GetUtcNow();
            if (_consecutiveWriteFailures >= FailureThreshold && now.UtcTicks >= _writesOpenUntilTicks)
            {
                Interlocked.Exchange(ref _writesOpenUntilTicks, (now + _nextWriteBreak).UtcTicks);
                Log.WritesSuspended(logger, _nextWriteBreak, _consecutiveWriteFailures);
                _nextWriteBreak = _nextWriteBreak * 2 < MaximumWriteBreak ? _nextWriteBreak * 2 : MaximumWriteBreak;
            }
        }
    }

    /// <summary>The clock reading a traced call starts from; 0, without reading the clock, when the call is not traced.</summary>
    private long Started(Activity? activity) => activity is null ? 0 : time.GetTimestamp();

    private static void Skipped(Activity? activity, string operation) =>
        HttpCachingTracing.RecordStoreCall(activity, operation, HttpCachingDiagnostics.StoreResultBreakerOpen, TimeSpan.Zero);

    private void Succeeded(Activity? activity, string operation, long started)
    {
        if (activity is not null)
        {
            HttpCachingTracing.RecordStoreCall(activity, operation, HttpCachingDiagnostics.StoreResultSuccess, time.GetElapsedTime(started));
        }

        if (Volatile.Read(ref _consecutiveFailures) == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_consecutiveFailures >= FailureThreshold)
            {
                Log.BreakerClosed(logger);
            }

            _consecutiveFailures = 0;
            _nextBreak = MinimumBreak;
            _failingSinceTicks = 0;
            _openingsSinceFailing = 0;
        }
    }

    private void Failed(Exception exception, string clientName, string operation, Activity? activity, long started, bool countTowardsBreaker)
    {
        // Every failure is counted; a warning is written once per client, operation and interval.
        metrics.StoreError(clientName, operation);
        var timedOut = exception is TimeoutException;
        if (activity is not null)
        {
            var result = timedOut ? HttpCachingDiagnostics.StoreResultTimeout : HttpCachingDiagnostics.StoreResultFailure;
            HttpCachingTracing.RecordStoreCall(activity, operation, result, time.GetElapsedTime(started));
        }

        if (_throttle.ShouldLog(timedOut ? Log.StoreTimedOutId : Log.StoreFailedId, string.Concat(clientName, "\n", operation), out var suppressed))
        {
            if (timedOut)
            {
                Log.StoreTimedOut(logger, clientName, operation, suppressed);
            }
            else
            {
                Log.StoreFailed(logger, clientName, operation, suppressed, exception);
            }
        }

        if (!countTowardsBreaker)
        {
            return;
        }

        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_consecutiveFailures == 0)
            {
                _failingSinceTicks = now.UtcTicks;
            }

            _consecutiveFailures++;
            _lastFailureTicks = now.UtcTicks;
            _lastFailureTimedOut = timedOut;
            if (_consecutiveFailures >= FailureThreshold && now.UtcTicks >= _openUntilTicks)
            {
                Interlocked.Exchange(ref _openUntilTicks, (now + _nextBreak).UtcTicks);
                _openingsSinceFailing++;
                Log.BreakerOpened(logger, _nextBreak, _consecutiveFailures);
                _nextBreak = _nextBreak * 2 < MaximumBreak ? _nextBreak * 2 : MaximumBreak;
            }
        }
    }
}
