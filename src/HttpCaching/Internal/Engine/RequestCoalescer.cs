using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Lets concurrent requests for the same key share one origin request (request collapsing). The shared request runs
/// on a token of its own: a caller that gives up stops waiting without cancelling it for the others, and it is
/// cancelled only when every caller has given up. A stuck origin therefore holds each caller only as long as that
/// caller's own cancellation allows, and a flight nobody waits for is never joined. Every run is also bounded by a
/// time limit of its own: when it passes, the run is cancelled, its callers get a timeout whether or not the origin
/// call honours the cancellation, and the key is free for a new run, so no stuck request can wedge a URL.
/// </summary>
internal sealed class RequestCoalescer(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>A coalescer on the system clock.</summary>
    public RequestCoalescer()
        : this(TimeProvider.System)
    {
    }

    /// <summary>
    /// Runs <paramref name="fetch"/> for <paramref name="key"/>, or joins the run already under way. Returns the shared
    /// result, whether this caller started it, and, for the caller that started it, the original response (the others
    /// are served from the result's snapshot). A response nobody took is disposed when the last caller leaves.
    /// </summary>
    public async Task<(FetchResult Result, bool Leader, HttpResponseMessage? Original)> RunAsync(
        string key,
        Func<CancellationToken, Task<FetchResult>> fetch,
        TimeSpan limit,
        CancellationToken cancellationToken)
    {
        var (flight, leader) = JoinOrStart(key, fetch, limit);
        try
        {
            var result = await flight.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (result, leader, leader && result.TryClaimOriginal(out var original) ? original : null);
        }
        finally
        {
            flight.Leave();
        }
    }

    /// <summary>
    /// Starts <paramref name="fetch"/> in the background unless a run for the key is already under way. The returned
    /// task ends as the run does, with its result or failure, once the run has been released; its result is
    /// <see langword="null"/> when a run was already under way.
    /// </summary>
    public Task<FetchResult?> RunInBackground(string key, Func<CancellationToken, Task<FetchResult>> fetch, TimeSpan limit)
    {
        var (flight, leader) = JoinOrStart(key, fetch, limit);
        if (!leader)
        {
            flight.Leave();
            return Task.FromResult<FetchResult?>(null);
        }

        return AwaitAndLeave(flight);

        static async Task<FetchResult?> AwaitAndLeave(Flight flight)
        {
            try
            {
                return await flight.Task.ConfigureAwait(false);
            }
            finally
            {
                flight.Leave();
            }
        }
    }

    private (Flight Flight, bool Leader) JoinOrStart(string key, Func<CancellationToken, Task<FetchResult>> fetch, TimeSpan limit)
    {
        while (true)
        {
            if (_flights.TryGetValue(key, out var existing))
            {
                if (existing.TryJoin() > 0)
                {
                    return (existing, false);
                }

                // Abandoned or finished: replace it.
                _flights.TryRemove(new KeyValuePair<string, Flight>(key, existing));
                continue;
            }

            var flight = new Flight();
            if (_flights.TryAdd(key, flight))
            {
                flight.Start(fetch, () => _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight)), limit, time);
                return (flight, true);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Reliability",
        "CA1001:Types that own disposable fields should be disposable",
        Justification = "The source is never given a timer and its wait handle is never used, so it holds nothing to release; it may be cancelled after the flight completed, which disposal would turn into an exception.")]
    private sealed class Flight
    {
        private readonly TaskCompletionSource<FetchResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _cancellation = new();
        private readonly Lock _gate = new();
        private int _waiters = 1;
        private bool _closed;
        private ITimer? _timer;
        private TimeSpan _limit;
        private Action? _remove;

        public Task<FetchResult> Task => _completion.Task;

        public void Start(Func<CancellationToken, Task<FetchResult>> fetch, Action remove, TimeSpan limit, TimeProvider time)
        {
            if (limit != Timeout.InfiniteTimeSpan)
            {
                _limit = limit;
                _timer = time.CreateTimer(static state => ((Flight)state!).TimedOut(), this, limit, Timeout.InfiniteTimeSpan);
            }

            _remove = remove;
            _ = RunAsync(fetch);
        }

        private async Task RunAsync(Func<CancellationToken, Task<FetchResult>> fetch)
        {
            FetchResult? result = null;
            Exception? error = null;
            try
            {
                result = await fetch(_cancellation.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            _timer?.Dispose();
            Close();
            if (error is not null)
            {
                _completion.TrySetException(error);
            }
            else if (!_completion.TrySetResult(result!))
            {
                // The run had timed out: nobody will take this late response.
                result!.ReleaseUnclaimed();
            }
        }

        /// <summary>
        /// The run took longer than its limit: it is cancelled, and its callers are released with a timeout at once,
        /// even if the origin call never honours the cancellation; the key is free for a new run.
        /// </summary>
        private void TimedOut()
        {
            Close();
            _completion.TrySetException(new TaskCanceledException(
                $"The origin request was given up after the cache's OriginTimeout of {_limit}.",
                new TimeoutException()));
            _cancellation.Cancel();
        }

        /// <summary>Closed before it completes, so nobody joins a flight whose response may already be taken.</summary>
        private void Close()
        {
            lock (_gate)
            {
                _closed = true;
            }

            _remove?.Invoke();
        }

        /// <summary>Joins the flight; returns the number of waiters, or 0 when it can no longer be joined.</summary>
        public int TryJoin()
        {
            lock (_gate)
            {
                return _closed ? 0 : ++_waiters;
            }
        }

        public void Leave()
        {
            lock (_gate)
            {
                if (--_waiters > 0)
                {
                    return;
                }

                _closed = true;
            }

            if (Task.IsCompleted)
            {
                // The request has ended: nothing to stop; release a response nobody took.
                if (Task.IsCompletedSuccessfully)
                {
                    Task.Result.ReleaseUnclaimed();
                }

                return;
            }

            // Nobody is waiting any more: stop the shared request if it still runs, and release a response nobody took.
            _cancellation.Cancel();
            _ = Task.ContinueWith(
                static task =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        task.Result.ReleaseUnclaimed();
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
