namespace HttpCaching.Tests.Helpers;

/// <summary>
/// A view of a <see cref="FakeTimeProvider"/> that tells a test when a timer has been created, so a test can advance
/// the clock only once a store timeout is armed (the store call starts before its timeout timer exists). Register it
/// as the application's <see cref="TimeProvider"/>, then <see cref="Attach"/> the harness clock before the first request.
/// </summary>
public sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _nextTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeTimeProvider? _clock;
    private readonly List<(int Count, TaskCompletionSource Reached)> _countWaiters = [];
    private int _timersCreated;
    private int _timersFired;

    /// <summary>Completes once <paramref name="count"/> timers have been created in all (at once if they have).</summary>
    public Task WhenTimersCreated(int count)
    {
        lock (_gate)
        {
            if (_timersCreated >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _countWaiters.Add((count, reached));
            return reached.Task;
        }
    }

    public int TimersCreated => Volatile.Read(ref _timersCreated);

    /// <summary>Timer callbacks run so far; the fake clock runs them inside <see cref="Advance"/>.</summary>
    public int TimersFired => Volatile.Read(ref _timersFired);

    /// <summary>
    /// Completes when a timer is created after this property was read. The timer is registered with the fake clock by
    /// then, so an <see cref="Advance"/> that follows fires it when it is due.
    /// </summary>
    public Task NextTimer
    {
        get
        {
            lock (_gate)
            {
                return _nextTimer.Task;
            }
        }
    }

    public override long TimestampFrequency => Clock.TimestampFrequency;

    private FakeTimeProvider Clock => _clock ?? throw new InvalidOperationException("Attach the fake clock before the first request.");

    public void Attach(FakeTimeProvider clock) => _clock = clock;

    public void Advance(TimeSpan delta) => Clock.Advance(delta);

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Clock.CreateTimer(
            s =>
            {
                Interlocked.Increment(ref _timersFired);
                callback(s);
            },
            state,
            dueTime,
            period);
        TaskCompletionSource created;
        List<TaskCompletionSource> reached = [];
        lock (_gate)
        {
            _timersCreated++;
            created = _nextTimer;
            _nextTimer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = _countWaiters.Count - 1; i >= 0; i--)
            {
                if (_countWaiters[i].Count <= _timersCreated)
                {
                    reached.Add(_countWaiters[i].Reached);
                    _countWaiters.RemoveAt(i);
                }
            }
        }

        created.TrySetResult();
        foreach (var waiter in reached)
        {
            waiter.TrySetResult();
        }
        return timer;
    }
}
