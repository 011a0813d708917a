using System.Globalization;
using System.Text;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// The soak run's results: a markdown table per phase, the library's bounds checked against them, then the details
/// (origin answers, <c>Cache-Status</c> values, the library's log events, samples of anything that went wrong).
/// </summary>
internal sealed class SoakReport(SoakClock clock, IReadOnlyList<SoakInstance> instances, IReadOnlyList<PhaseStats[]> stats, RuntimeSampler runtime)
{
    private static readonly int Phases = SoakPhase.All.Count;

    private readonly PhaseStats[] _merged = Merge(stats);

    /// <summary>Gets a value indicating whether every bound held: no failure, no time travel, no wrong body, outage traffic within the bound.</summary>
    public bool BoundsHeld => Problems().Count == 0;

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("| Phase | Length (s) | Requests | Requests/s | Failed | Time travel | Origin requests (A / B) | Origin req/s | vs healthy | Origin calls per URL and instance: max (mean) | Latency p50 / p99 / max (ms) | Timer lag max (ms) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var phase = 0; phase < Phases; phase++)
        {
            var merged = Merged(phase);
            var origin = string.Join(" / ", instances.Select(i => i.Origin.Requests(phase)));
            var maxPerUrl = instances.Max(i => Enumerable.Range(0, i.Origin.Urls).Max(u => i.Origin.RequestsForUrl(phase, u)));
            var meanPerUrl = instances.Average(i => (double)i.Origin.Requests(phase) / i.Origin.Urls);
            text.AppendLine(Invariant(
                $"| {SoakPhase.All[phase].Name} | {clock.Duration(phase).TotalSeconds:0.0} | {merged.Requests} | {merged.Requests / clock.Duration(phase).TotalSeconds:0} | {merged.Failed} | {merged.TimeTravel} | {origin} | {OriginRate(phase):0.0} | {Ratio(phase)} | {maxPerUrl} ({meanPerUrl:0.0}) | {merged.Percentile(0.5):0.0} / {merged.Percentile(0.99):0.0} / {merged.Percentile(1):0} | {runtime.MaxTimerLagMs(phase):0} |"));
        }

        text.AppendLine();
        text.AppendLine("Bounds:");
        var failed = Enumerable.Range(0, Phases).Sum(p => Merged(p).Failed);
        var travel = Enumerable.Range(0, Phases).Sum(p => Merged(p).TimeTravel);
        var wrong = Enumerable.Range(0, Phases).Sum(p => Merged(p).WrongBody);
        text.AppendLine(Invariant($"- failed requests (every URL has a stored copy within stale-if-error after warm-up): {failed} {Verdict(failed == 0)}"));
        text.AppendLine(Invariant($"- time travel (a version older than one the instance had already served for that URL): {travel} {Verdict(travel == 0)}"));
        text.AppendLine(Invariant($"- wrong bodies (another path, or an ETag that is not the body's version): {wrong} {Verdict(wrong == 0)}"));
        foreach (var phase in Enumerable.Range(0, Phases).Where(p => SoakPhase.All[p].StoreDown))
        {
            text.AppendLine(Invariant(
                $"- origin traffic, {SoakPhase.All[phase].Name}: {Ratio(phase)} x healthy (at most {instances.Count} x, one instance's own rate each) {Verdict(WithinOutageBound(phase))}"));
        }

        var slowest = Enumerable.Range(0, Phases).MaxBy(p => Merged(p).Percentile(1));
        text.AppendLine(Invariant(
            $"- not a bound, for the record: the slowest request took {Merged(slowest).Percentile(1):0} ms, in '{SoakPhase.All[slowest].Name}' (StoreTimeout, the store's share of a request, is 250 ms by default; the origin answers at once)"));

        for (var phase = 0; phase < Phases; phase++)
        {
            var merged = Merged(phase);
            text.AppendLine();
            text.AppendLine(Invariant($"## {SoakPhase.All[phase].Name} (t = {clock.Start(phase).TotalSeconds:0.0} s, {SoakPhase.All[phase].What})"));
            text.AppendLine(Invariant(
                $"Thread pool: at most {runtime.MaxThreads(phase)} threads and {runtime.MaxQueued(phase)} queued items; a {RuntimeSampler.Interval.TotalMilliseconds:0} ms timer fired up to {runtime.MaxTimerLagMs(phase):0} ms late"));
            text.AppendLine("Origin answers (200 / 304 / refused / 503): " + string.Join(
                "; ",
                instances.Select(i => Invariant(
                    $"{i.Name} {i.Origin.Requests(phase, OriginAnswer.Ok)} / {i.Origin.Requests(phase, OriginAnswer.NotModified)} / {i.Origin.Requests(phase, OriginAnswer.Refused)} / {i.Origin.Requests(phase, OriginAnswer.Unavailable)}"))));
            text.AppendLine("Cache-Status (without ttl), both instances:");
            foreach (var (status, count) in merged.CacheStatuses.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal))
            {
                text.AppendLine(Invariant($"  {count,8} {status}"));
            }

            foreach (var instance in instances)
            {
                var events = instance.Events.Events(phase);
                text.AppendLine($"Log events, {instance.Name}: " + (events.Count == 0 ? "none" : string.Join(", ", events.Select(e => Invariant($"{e.Event} {e.Count}")))));
            }

            text.AppendLine(Invariant($"Requests over 300 ms: {merged.LatenciesMs.Count(l => l > 300)}"));
            Samples(text, "Slowest", [.. merged.Slowest.Take(3).Select(s => s.Sample)]);
            Samples(text, "Failures", merged.FailureSamples);
            Samples(text, "Time travel", merged.TimeTravelSamples);
            Samples(text, "Wrong bodies", merged.WrongBodySamples);
        }

        var problems = Problems();
        text.AppendLine();
        text.AppendLine(problems.Count == 0 ? "Every bound held." : "NOT HELD: " + string.Join("; ", problems));
        return text.ToString();
    }

    private static string Verdict(bool held) => held ? "(held)" : "(NOT HELD)";

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Samples(StringBuilder text, string title, List<string> samples)
    {
        if (samples.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{title} (first {samples.Count}):");
            samples.ForEach(s => text.AppendLine("  " + s));
        }
    }

    private List<string> Problems()
    {
        var problems = new List<string>();
        for (var phase = 0; phase < Phases; phase++)
        {
            var merged = Merged(phase);
            var name = SoakPhase.All[phase].Name;
            if (merged.Failed > 0)
            {
                problems.Add(Invariant($"{merged.Failed} failed requests in '{name}'"));
            }

            if (merged.TimeTravel > 0)
            {
                problems.Add(Invariant($"{merged.TimeTravel} responses older than one already served in '{name}'"));
            }

            if (merged.WrongBody > 0)
            {
                problems.Add(Invariant($"{merged.WrongBody} wrong bodies in '{name}'"));
            }

            if (SoakPhase.All[phase].StoreDown && !WithinOutageBound(phase))
            {
                problems.Add(Invariant($"origin traffic in '{name}' {OriginRate(phase):0.0}/s against {OriginRate(SoakPhase.Healthy):0.0}/s healthy, over {instances.Count} x"));
            }
        }

        return problems;
    }

    /// <summary>The origin rate of <paramref name="phase"/> against the healthy phase's, or "-" when the healthy phase had none.</summary>
    private string Ratio(int phase) =>
        OriginRate(SoakPhase.Healthy) > 0 ? (OriginRate(phase) / OriginRate(SoakPhase.Healthy)).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>Whether the origin saw at most the instances' count times the healthy rate in <paramref name="phase"/>.</summary>
    private bool WithinOutageBound(int phase) => OriginRate(phase) <= instances.Count * OriginRate(SoakPhase.Healthy);

    /// <summary>Origin requests per second of both instances in <paramref name="phase"/>.</summary>
    private double OriginRate(int phase) => instances.Sum(i => i.Origin.Requests(phase)) / clock.Duration(phase).TotalSeconds;

    /// <summary>What the callers of every instance saw, per phase.</summary>
    private static PhaseStats[] Merge(IReadOnlyList<PhaseStats[]> stats)
    {
        var merged = new PhaseStats[Phases];
        for (var phase = 0; phase < Phases; phase++)
        {
            merged[phase] = new PhaseStats();
            foreach (var instance in stats)
            {
                merged[phase].Add(instance[phase]);
            }
        }

        return merged;
    }

    private PhaseStats Merged(int phase) => _merged[phase];
}
