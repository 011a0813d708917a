namespace HttpCaching.Testing;

/// <summary>
/// A view of a <see cref="FakeTimeProvider"/> that tells a test when a timer has been created, fired or disposed, so a
/// test can advance the clock only once a store timeout is armed (the store call starts before its timeout timer
/// exists), and can see which timers a component leaves behind. Register it as the application's
/// <see cref="TimeProvider"/>; give it the clock at construction, or <see cref="Attach"/> the harness clock before the
/// first request.
/// </summary>
/// <remarks>
/// <see cref="FakeTimeProvider"/> keeps its timers to itself; this view counts what goes through it and otherwise
/// leaves everything, timer order and firing inside <see cref="Advance"/> included, to the fake clock.
/// </remarks>
public sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _countWaiters = [];
    private readonly List<TimeSpan> _armedDueTimes = [];
    private TaskCompletionSource _nextArmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _nextTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeTimeProvider? _clock;
    private int _timersCreated;
    private int _timersFired;
    private int _timersDisposed;

    public TimerWatchingTimeProvider()
    {
    }

    public TimerWatchingTimeProvider(FakeTimeProvider clock) => _clock = clock;

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

    /// <summary>
    /// The due times timers were armed with, in order: at creation or by a later <see cref="ITimer.Change"/> (a
    /// <see cref="CancellationTokenSource"/> creates its timer disarmed and arms it in <c>CancelAfter</c>). Disarming
    /// (<see cref="Timeout.InfiniteTimeSpan"/>) is left out.
    /// </summary>
    public IReadOnlyList<TimeSpan> ArmedDueTimes
    {
        get
        {
            lock (_gate)
            {
                return [.. _armedDueTimes];
            }
        }
    }

    /// <summary>Completes when a timer is armed (see <see cref="ArmedDueTimes"/>) after this property was read.</summary>
    public Task NextArmed
    {
        get
        {
            lock (_gate)
            {
                return _nextArmed.Task;
            }
        }
    }

    /// <summary>Timer callbacks run so far; the fake clock runs them inside <see cref="Advance"/>.</summary>
    public int TimersFired => Volatile.Read(ref _timersFired);

    /// <summary>Timers created and not yet disposed.</summary>
    public int ActiveTimers => TimersCreated - Volatile.Read(ref _timersDisposed);

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

    public FakeTimeProvider Clock => _clock ?? throw new InvalidOperationException("Attach the fake clock before the first request.");

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public void Attach(FakeTimeProvider clock) => _clock = clock;

    public void Advance(TimeSpan delta) => Clock.Advance(delta);

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(
            this,
            Clock.CreateTimer(
                s =>
                {
                    Interlocked.Increment(ref _timersFired);
                    callback(s);
                },
                state,
                dueTime,
                period));
        TaskCompletionSource created;
        List<TaskCompletionSource> reached = [];
        Armed(dueTime);
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

    private void Armed(TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        TaskCompletionSource armed;
        lock (_gate)
        {
            _armedDueTimes.Add(dueTime);
            armed = _nextArmed;
            _nextArmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        armed.TrySetResult();
    }

    /// <summary>The fake clock's timer, counted once when it is disposed; its re-arming is watched too.</summary>
    private sealed class WatchedTimer(TimerWatchingTimeProvider owner, ITimer inner) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Armed(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            inner.Dispose();
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Increment(ref owner._timersDisposed);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Increment(ref owner._timersDisposed);
            }
        }
    }
}
