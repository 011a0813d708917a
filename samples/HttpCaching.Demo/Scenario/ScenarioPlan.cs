namespace HttpCaching.Demo;

/// <summary>
/// What the scenario plays: six quiet hours in which the feed changes once, then an outage in three acts (the third
/// parties go down, then rate-limit, then serve a maintenance page and broken JSON), then a recovery with a burst of
/// concurrent requests for the oEmbed URL just after its entry went stale.
/// </summary>
public static class ScenarioPlan
{
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 6, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FeedUpdateAt = TimeSpan.FromMinutes(190);
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(510);

    /// <summary>The oEmbed entry was revalidated at +08:00 and is fresh for 10 minutes: the burst comes as it goes stale.</summary>
    public static readonly Burst Burst = new(TimeSpan.FromMinutes(490), ClientNames.Embedly, 50, TimeSpan.FromMilliseconds(100));

    public static IReadOnlyList<Phase> Phases { get; } =
    [
        new("normal", TimeSpan.Zero, EndpointBehaviour.Normal, EndpointBehaviour.Normal, IsOutage: false),
        new("down", TimeSpan.FromHours(6), EndpointBehaviour.Unreachable, EndpointBehaviour.Error(503, "Service Unavailable"), IsOutage: true),
        new("rate-limited", TimeSpan.FromHours(7), EndpointBehaviour.Error(429, "Too Many Requests", retryAfterSeconds: 600), EndpointBehaviour.Normal, IsOutage: true),
        new(
            "maintenance",
            TimeSpan.FromMinutes(450),
            EndpointBehaviour.Serves(SampleContent.MaintenancePage(Start.AddDays(-30)), "an HTML maintenance page"),
            EndpointBehaviour.Serves(SampleContent.TruncatedOEmbed(Start), "truncated JSON"),
            IsOutage: true),
        new("recovered", TimeSpan.FromHours(8), EndpointBehaviour.Normal, EndpointBehaviour.Normal, IsOutage: false),
    ];

    /// <summary>When the first outage phase starts.</summary>
    public static TimeSpan OutageStart => Phases.First(p => p.IsOutage).Start;

    /// <summary>When the last outage phase ends.</summary>
    public static TimeSpan OutageEnd => Phases.Last(p => p.IsOutage).End;

    public static Phase PhaseAt(TimeSpan elapsed) => Phases.Last(p => p.Start <= elapsed);
}
