namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// One phase of the soak run: its name, its length in the default run of 170 s (scaled to <c>--seconds</c>), whether
/// the shared store is out of service during it (the phases whose origin traffic the outage bound limits) and what
/// happens in it.
/// </summary>
internal sealed record SoakPhase(string Name, double DefaultSeconds, bool StoreDown, string What)
{
    public const int WarmUp = 0;
    public const int Healthy = 1;
    public const int StoreKilled = 2;
    public const int StoreRestarted = 3;
    public const int StorePaused = 4;
    public const int StoreResumed = 5;
    public const int OriginRefusing = 6;
    public const int Origin503 = 7;
    public const int OriginBack = 8;

    /// <summary>The phases, in the order they run; the constants above index it.</summary>
    public static readonly IReadOnlyList<SoakPhase> All =
    [
        new("warm-up", 10, false, "cold caches: every URL is a miss once per instance"),
        new("healthy", 25, false, "store and origin up: the reference rate"),
        new("store killed", 20, true, "every server process SIGKILLed; ends when the restarted server accepts connections"),
        new("store restarted", 15, false, "after crash recovery"),
        new("store paused", 20, true, "every server process SIGSTOPped: connections and queries hang; ends at SIGCONT"),
        new("store resumed", 10, false, "after SIGCONT"),
        new("origin refusing", 15, false, "the origin throws HttpRequestException"),
        new("origin 503", 25, false, "the origin answers 503 (no Retry-After)"),
        new("origin back", 30, false, "the origin answers again; stale copies under back-off until it ends"),
    ];

    public static double DefaultTotalSeconds => All.Sum(p => p.DefaultSeconds);

    /// <summary>This phase's length in a run of <paramref name="total"/>.</summary>
    public TimeSpan Length(TimeSpan total) => total * (DefaultSeconds / DefaultTotalSeconds);
}
