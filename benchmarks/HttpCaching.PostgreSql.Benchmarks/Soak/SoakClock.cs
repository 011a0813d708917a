using System.Diagnostics;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// The run's real clock: which phase is running (a request or an origin call counts in the phase it began in), when
/// each phase began and ended, and the feed's current version, which moves every <see cref="VersionInterval"/>.
/// </summary>
internal sealed class SoakClock
{
    public static readonly TimeSpan VersionInterval = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly TimeSpan[] _starts = new TimeSpan[SoakPhase.All.Count];
    private readonly TimeSpan[] _ends = new TimeSpan[SoakPhase.All.Count];
    private int _phase = -1;

    /// <summary>Gets the index of the running phase in <see cref="SoakPhase.All"/>, or -1 before the first.</summary>
    public int Phase => Volatile.Read(ref _phase);

    public TimeSpan Elapsed => _elapsed.Elapsed;

    /// <summary>Gets the feed's version now: 1 at the start, one more every <see cref="VersionInterval"/>.</summary>
    public int Version => 1 + (int)(_elapsed.Elapsed.Ticks / VersionInterval.Ticks);

    /// <summary>Ends the running phase and begins <paramref name="phase"/>.</summary>
    public void Enter(int phase)
    {
        var now = _elapsed.Elapsed;
        var previous = Phase;
        if (previous >= 0)
        {
            _ends[previous] = now;
        }

        _starts[phase] = now;
        Volatile.Write(ref _phase, phase);
    }

    /// <summary>Ends the last phase.</summary>
    public void Finish()
    {
        var previous = Phase;
        if (previous >= 0)
        {
            _ends[previous] = _elapsed.Elapsed;
        }

        Volatile.Write(ref _phase, -1);
    }

    /// <summary>How long <paramref name="phase"/> actually lasted.</summary>
    public TimeSpan Duration(int phase) => _ends[phase] - _starts[phase];

    /// <summary>When <paramref name="phase"/> began, from the start of the run.</summary>
    public TimeSpan Start(int phase) => _starts[phase];
}
