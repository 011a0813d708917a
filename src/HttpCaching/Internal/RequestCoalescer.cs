using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Lets concurrent requests for the same key share one origin request (request collapsing). The shared request runs
/// on a token of its own: a caller that gives up stops waiting without cancelling it for the others, and it is
/// cancelled only when every caller has given up. A stuck origin therefore holds each caller only as long as that
/// caller's own cancellation allows, and a flight nobody waits for is never joined.
/// </summary>
internal sealed class RequestCoalescer
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>Raised when a caller joins a flight, with the number of callers now waiting (for tests).</summary>
    internal event Action<string, int>? Joined;

    /// <summary>The shared requests under way, background revalidations included (for tests).</summary>
    internal Task[] InFlight => [.. _flights.Values.Select(f => (Task)f.Task)];

    /// <summary>
    /// Runs <paramref name="fetch"/> for <paramref name="key"/>, or joins the run already under way. Returns the shared
    /// result, whether this caller started it, and, for the caller that started it, the original response (the others
    /// are served from the result's snapshot). A response nobody took is disposed when the last caller leaves.
    /// </summary>
    public async Task<(FetchResult Result, bool Leader, HttpResponseMessage? Original)> RunAsync(
        string key,
        Func<CancellationToken, Task<FetchResult>> fetch,
        CancellationToken cancellationToken)
    {
        var (flight, leader) = JoinOrStart(key, fetch);
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
    public Task<FetchResult?> RunInBackground(string key, Func<CancellationToken, Task<FetchResult>> fetch)
    {
        var (flight, leader) = JoinOrStart(key, fetch);
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

    private (Flight Flight, bool Leader) JoinOrStart(string key, Func<CancellationToken, Task<FetchResult>> fetch)
    {
        while (true)
        {
            if (_flights.TryGetValue(key, out var existing))
            {
                var waiters = existing.TryJoin();
                if (waiters > 0)
                {
                    Joined?.Invoke(key, waiters);
                    return (existing, false);
                }

                // Abandoned or finished: replace it.
                _flights.TryRemove(new KeyValuePair<string, Flight>(key, existing));
                continue;
            }

            var flight = new Flight();
            if (_flights.TryAdd(key, flight))
            {
                Joined?.Invoke(key, 1);
                flight.Start(fetch, () => _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight)));
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

        public Task<FetchResult> Task => _completion.Task;

        public void Start(Func<CancellationToken, Task<FetchResult>> fetch, Action remove) => _ = RunAsync(fetch, remove);

        private async Task RunAsync(Func<CancellationToken, Task<FetchResult>> fetch, Action remove)
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

            // Closed before it completes, so nobody joins a flight whose response may already be taken.
            lock (_gate)
            {
                _closed = true;
            }

            remove();
            if (error is not null)
            {
                _completion.TrySetException(error);
            }
            else
            {
                _completion.TrySetResult(result!);
            }
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
