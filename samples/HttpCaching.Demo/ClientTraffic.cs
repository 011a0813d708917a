using System.Globalization;

namespace HttpCaching.Demo;

/// <summary>
/// What one client's callers saw: how many responses, how many body bytes, how long each took in real time, and the
/// <c>Cache-Status</c> header (RFC 9211) the handler put on each response.
/// </summary>
public sealed class ClientTraffic(string name, OriginEndpoint endpoint, Uri requestUri)
{
    private readonly List<TimeSpan> _hitLatencies = [];
    private readonly List<TimeSpan> _originLatencies = [];

    public string Name { get; } = name;

    /// <summary>The stand-in origin's resource this client calls.</summary>
    public OriginEndpoint Endpoint { get; } = endpoint;

    public Uri RequestUri { get; } = requestUri;

    public int Requests { get; private set; }

    public long BytesServed { get; private set; }

    /// <summary>Cache-Status values with the <c>ttl</c> number taken out, in the order first seen.</summary>
    public OrderedDictionary<string, CacheStatusTally> CacheStatuses { get; } = new(StringComparer.Ordinal);

    public TimeSpan? MedianHitLatency => Median(_hitLatencies);

    public TimeSpan? MedianOriginLatency => Median(_originLatencies);

    /// <summary>Records one response; returns whether the handler went to the origin for it.</summary>
    public bool Record(TimeSpan at, string cacheStatus, TimeSpan latency, long bodyBytes)
    {
        Requests++;
        BytesServed += bodyBytes;

        var (shape, ttl) = Shape(cacheStatus);
        if (!CacheStatuses.TryGetValue(shape, out var tally))
        {
            tally = new CacheStatusTally(at);
            CacheStatuses.Add(shape, tally);
        }

        tally.Add(ttl);
        var forwarded = cacheStatus.Contains("fwd=", StringComparison.Ordinal);
        (forwarded ? _originLatencies : _hitLatencies).Add(latency);
        return forwarded;
    }

    /// <summary><c>HttpCaching; hit; ttl=1740</c> becomes <c>HttpCaching; hit; ttl=…</c> and 1740.</summary>
    private static (string Shape, long? Ttl) Shape(string cacheStatus)
    {
        long? ttl = null;
        var parts = cacheStatus.Split(';', StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("ttl=", StringComparison.Ordinal)
                && long.TryParse(parts[i].AsSpan(4), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                ttl = seconds;
                parts[i] = "ttl=…";
            }
        }

        return (string.Join("; ", parts), ttl);
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
