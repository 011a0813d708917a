namespace HttpCaching.Demo;

/// <summary>
/// The numbers for one client, each from the place that knows it best: the callers (requests, bytes served, latency),
/// the <c>HttpCaching</c> meter (outcomes, bytes), the stand-in origin (requests it saw, 304s) and the store (keys written).
/// </summary>
public sealed record ClientReport(
    string Name,
    TimeSpan MinimumFreshness,
    int Requests,
    long Hits,
    long Revalidated,
    long Misses,
    long OriginRequests,
    long OriginFullResponses,
    long OriginNotModified,
    int VersionsStored,
    int EntryWrites,
    long BytesFromOrigin,
    long BytesServed,
    long BytesServedFromCache,
    TimeSpan? MedianHitLatency,
    TimeSpan? MedianOriginLatency)
{
    public static ClientReport Create(
        ClientTraffic traffic,
        MeterTotals meter,
        CountingDistributedCache store,
        ThirdPartyCachingOptions options)
    {
        var keys = options.KeyPrefix + traffic.Name;
        return new ClientReport(
            traffic.Name,
            options.MinimumFreshness,
            traffic.Requests,
            meter.Hits,
            meter.Revalidated,
            meter.Misses,
            traffic.Endpoint.Requests,
            traffic.Endpoint.FullResponses,
            traffic.Endpoint.NotModified,
            store.DistinctKeysWritten(keys + ":b:"),
            store.Writes(keys + ":e:"),
            meter.OriginBytes,
            traffic.BytesServed,
            meter.CacheBytes,
            traffic.MedianHitLatency,
            traffic.MedianOriginLatency);
    }
}
