using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

/// <summary>
/// Every call the handler makes to a store goes through here: each call is bounded by the client's store timeout, a
/// failure is logged and counted but never thrown, and after repeated failures the store is left alone for a short,
/// growing interval (a breaker) before it is tried again. One instance per store, shared by the clients that use it.
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

    private readonly Lock _gate = new();
    private readonly LogThrottle _throttle = new(time);
    private int _consecutiveFailures;
    private long _openUntilTicks;
    private TimeSpan _nextBreak = MinimumBreak;

    public IDistributedCache Store => store;

    /// <summary>Whether the store keeps records in this process already, so a near cache in front of it is pointless.</summary>
    public bool InProcess { get; } = store is MemoryDistributedCache or DefaultMemoryStore;

    /// <summary>Whether the breaker is open now: calls are skipped.</summary>
    public bool IsOpen => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _openUntilTicks);

    public async ValueTask<byte[]?> GetAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken) =>
        (await TryGetAsync(key, clientName, timeout, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>
    /// Reads a record; <c>Read</c> is <see langword="false"/> when the store could not be read (it failed, did not
    /// answer in time, or the breaker is open), as opposed to a record that is simply not there.
    /// </summary>
    public async ValueTask<(byte[]? Value, bool Read)> TryGetAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsOpen)
        {
            return (null, false);
        }

        try
        {
            var pending = store.GetAsync(key, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                // Stores in process memory answer at once: no timer, no extra task.
                Succeeded();
                return (pending.Result, true);
            }

            var value = await Bounded(pending, timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return (value, true);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(ex, clientName, "get");
            return (null, false);
        }
    }

    public async ValueTask<bool> SetAsync(string key, byte[] value, DistributedCacheEntryOptions lifetime, string clientName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsOpen)
        {
            return false;
        }

        try
        {
            await Bounded(store.SetAsync(key, value, lifetime, cancellationToken), timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(ex, clientName, "set");
            return false;
        }
    }

    public async ValueTask<bool> RefreshAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsOpen)
        {
            return false;
        }

        try
        {
            await Bounded(store.RefreshAsync(key, cancellationToken), timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(ex, clientName, "refresh");
            return false;
        }
    }

    public async ValueTask<bool> RemoveAsync(string key, string clientName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsOpen)
        {
            return false;
        }

        try
        {
            await Bounded(store.RemoveAsync(key, cancellationToken), timeout, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(ex, clientName, "remove");
            return false;
        }
    }

    private async Task<T> Bounded<T>(Task<T> operation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Bounded((Task)operation, timeout, cancellationToken).ConfigureAwait(false);
        return operation.Result;
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

    private void Succeeded()
    {
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
        }
    }

    private void Failed(Exception exception, string clientName, string operation)
    {
        // Every failure is counted; a warning is written once per client, operation and interval.
        metrics.StoreError(clientName, operation);
        var timedOut = exception is TimeoutException;
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

        lock (_gate)
        {
            _consecutiveFailures++;
            var now = time.GetUtcNow();
            if (_consecutiveFailures >= FailureThreshold && now.UtcTicks >= _openUntilTicks)
            {
                Interlocked.Exchange(ref _openUntilTicks, (now + _nextBreak).UtcTicks);
                Log.BreakerOpened(logger, _nextBreak, _consecutiveFailures);
                _nextBreak = _nextBreak * 2 < MaximumBreak ? _nextBreak * 2 : MaximumBreak;
            }
        }
    }
}
