using System.Diagnostics;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// Samples the process every <see cref="Interval"/>, per phase: how late a thread-pool timer fires (a starved thread
/// pool delays every continuation, the callers' pauses included, without showing in request latencies), and the
/// largest number of thread-pool threads and of queued work items.
/// </summary>
internal sealed class RuntimeSampler(SoakClock clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly double[] _maxLagMs = new double[SoakPhase.All.Count];
    private readonly int[] _maxThreads = new int[SoakPhase.All.Count];
    private readonly long[] _maxQueued = new long[SoakPhase.All.Count];

    public double MaxTimerLagMs(int phase) => _maxLagMs[phase];

    public int MaxThreads(int phase) => _maxThreads[phase];

    public long MaxQueued(int phase) => _maxQueued[phase];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var phase = clock.Phase;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await Task.Delay(Interval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (phase >= 0)
            {
                _maxLagMs[phase] = Math.Max(_maxLagMs[phase], (Stopwatch.GetElapsedTime(started) - Interval).TotalMilliseconds);
                _maxThreads[phase] = Math.Max(_maxThreads[phase], ThreadPool.ThreadCount);
                _maxQueued[phase] = Math.Max(_maxQueued[phase], ThreadPool.PendingWorkItemCount);
            }
        }
    }
}
