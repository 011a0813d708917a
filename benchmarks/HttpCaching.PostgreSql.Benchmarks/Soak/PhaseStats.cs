namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// What callers saw in one phase: requests, failures (an exception or a status other than 200), time travel (a
/// version older than one the instance had already served for that URL when the request was sent), wrong bodies (a
/// body for another path, or whose ETag names another version), latencies and the <c>Cache-Status</c> values (without
/// their <c>ttl</c>). Each caller keeps its own, merged at the end, so callers never share a lock.
/// </summary>
internal sealed class PhaseStats
{
    public const int MaxSamples = 8;

    public int Requests { get; private set; }

    public int Failed { get; private set; }

    public int TimeTravel { get; private set; }

    public int WrongBody { get; private set; }

    public List<double> LatenciesMs { get; } = [];

    public Dictionary<string, int> CacheStatuses { get; } = new(StringComparer.Ordinal);

    public List<string> FailureSamples { get; } = [];

    public List<string> TimeTravelSamples { get; } = [];

    public List<string> WrongBodySamples { get; } = [];

    /// <summary>Gets the slowest requests, slowest first, at most <see cref="MaxSamples"/>.</summary>
    public List<(double LatencyMs, string Sample)> Slowest { get; } = [];

    public void Served(double latencyMs, string cacheStatus, Func<string> sample)
    {
        Requests++;
        LatenciesMs.Add(latencyMs);
        CacheStatuses[cacheStatus] = CacheStatuses.GetValueOrDefault(cacheStatus) + 1;
        if (Slowest.Count < MaxSamples || latencyMs > Slowest[^1].LatencyMs)
        {
            AddSlow(latencyMs, sample());
        }
    }

    public void Fail(string sample)
    {
        Failed++;
        Sample(FailureSamples, sample);
    }

    public void TravelledBack(string sample)
    {
        TimeTravel++;
        Sample(TimeTravelSamples, sample);
    }

    public void Wrong(string sample)
    {
        WrongBody++;
        Sample(WrongBodySamples, sample);
    }

    public void Add(PhaseStats other)
    {
        Requests += other.Requests;
        Failed += other.Failed;
        TimeTravel += other.TimeTravel;
        WrongBody += other.WrongBody;
        LatenciesMs.AddRange(other.LatenciesMs);
        foreach (var (status, count) in other.CacheStatuses)
        {
            CacheStatuses[status] = CacheStatuses.GetValueOrDefault(status) + count;
        }

        other.FailureSamples.ForEach(s => Sample(FailureSamples, s));
        other.TimeTravelSamples.ForEach(s => Sample(TimeTravelSamples, s));
        other.WrongBodySamples.ForEach(s => Sample(WrongBodySamples, s));
        other.Slowest.ForEach(s => AddSlow(s.LatencyMs, s.Sample));
    }

    /// <summary>The latency below which <paramref name="fraction"/> of the requests finished, in milliseconds.</summary>
    public double Percentile(double fraction)
    {
        if (LatenciesMs.Count == 0)
        {
            return 0;
        }

        var sorted = LatenciesMs.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private void AddSlow(double latencyMs, string sample)
    {
        Slowest.Add((latencyMs, sample));
        Slowest.Sort((a, b) => b.LatencyMs.CompareTo(a.LatencyMs));
        if (Slowest.Count > MaxSamples)
        {
            Slowest.RemoveAt(Slowest.Count - 1);
        }
    }

    private static void Sample(List<string> samples, string sample)
    {
        if (samples.Count < MaxSamples)
        {
            samples.Add(sample);
        }
    }
}
