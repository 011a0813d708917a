namespace HttpCaching.Demo;

/// <summary>
/// What one client's callers saw: how many responses, how many body bytes, how long each took in real time, the
/// <c>Cache-Status</c> header (RFC 9211) the handler put on each response, and the same counted by phase.
/// </summary>
public sealed class ClientTraffic
{
    private readonly List<TimeSpan> _hitLatencies = [];
    private readonly List<TimeSpan> _originLatencies = [];
    private readonly List<AppResponse> _failures = [];

    public int Requests => Total.Requests;

    public long BytesServed { get; private set; }

    /// <summary>Every response, counted as <see cref="PhaseTally"/> does.</summary>
    public PhaseTally Total { get; } = new();

    /// <summary>Cache-Status values with the <c>ttl</c> number taken out, in the order first seen.</summary>
    public OrderedDictionary<string, CacheStatusTally> CacheStatuses { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<Phase, PhaseTally> Phases { get; } = [];

    /// <summary>The responses that were not a 200, and the requests that threw.</summary>
    public IReadOnlyList<AppResponse> Failures => _failures;

    public TimeSpan? MedianHitLatency => Median(_hitLatencies);

    public TimeSpan? MedianOriginLatency => Median(_originLatencies);

    public void Record(AppResponse response)
    {
        BytesServed += response.BodyBytes;
        Total.Add(response);
        if (!Phases.TryGetValue(response.Phase, out var phase))
        {
            phase = new PhaseTally();
            Phases.Add(response.Phase, phase);
        }

        phase.Add(response);

        var info = response.Info;
        if (!CacheStatuses.TryGetValue(info.Shape, out var tally))
        {
            tally = new CacheStatusTally(response.At);
            CacheStatuses.Add(info.Shape, tally);
        }

        tally.Add(info.Ttl);
        (info.Forwarded ? _originLatencies : _hitLatencies).Add(response.Latency);
        if (response.Failed)
        {
            _failures.Add(response);
        }
    }

    /// <summary>The responses during the outage phases.</summary>
    public PhaseTally Outage()
    {
        var outage = new PhaseTally();
        foreach (var (phase, tally) in Phases)
        {
            if (phase.IsOutage)
            {
                outage.Add(tally);
            }
        }

        return outage;
    }

    private static TimeSpan? Median(List<TimeSpan> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        return sorted[(sorted.Count - 1) / 2];
    }
}
