namespace HttpCaching.Demo;

/// <summary>
/// The numbers for one client, each from the place that knows it best: the callers (requests, Cache-Status, bytes
/// served, latency), the <c>HttpCaching</c> meter (outcomes, bytes), the handler's log, the validation hook, a counter
/// below the cache (requests sent to the origin), the stand-in origin (requests it saw and how it answered) and the
/// store (keys written).
/// </summary>
public sealed record ClientReport(
    DemoClient Client,
    MeterTotals Meter,
    LogEventCounter Logs,
    TimeSpan MinimumFreshness,
    int VersionsStored,
    int EntryWrites)
{
    public string Name => Client.Name;

    public ClientTraffic Traffic => Client.Traffic;

    public OriginEndpoint Origin => Client.Endpoint;

    public static ClientReport Create(
        DemoClient client,
        MeterTotals meter,
        LogEventCounter logs,
        CountingDistributedCache store,
        ThirdPartyCachingOptions options)
    {
        var keys = options.KeyPrefix + client.Name;
        return new ClientReport(
            client,
            meter,
            logs,
            options.MinimumFreshness,
            store.DistinctKeysWritten(keys + ":b:"),
            store.Writes(keys + ":e:"));
    }

    /// <summary>Log events of this client, such as <c>CacheServedStaleOnError</c>.</summary>
    public int LogEvents(string eventName) => Logs.Count(Name, eventName);
}
