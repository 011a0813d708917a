namespace HttpCaching.Demo;

/// <summary>
/// A clock that stands still until the scenario moves it on, so that hours of traffic play out in seconds. The caching
/// handler, the store and the stand-in origin all read it; timers and <see cref="TimeProvider.GetTimestamp"/> still
/// follow real time.
/// </summary>
public sealed class SimulatedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public DateTimeOffset Start { get; } = start.ToUniversalTime();

    /// <summary>How much simulated time has passed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => GetUtcNow() - Start;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _utcTicks, by.Ticks);
    }
}
