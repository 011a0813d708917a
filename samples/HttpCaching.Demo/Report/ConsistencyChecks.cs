namespace HttpCaching.Demo;

/// <summary>
/// The cross-checks of one client's numbers: the meter, the log, the callers' Cache-Status values, the counter below
/// the cache and the stand-in origin each count the same events from their side, and must agree.
/// </summary>
public static class ConsistencyChecks
{
    public static IReadOnlyList<ConsistencyCheck> For(ClientReport report)
    {
        var meter = report.Meter;
        var total = report.Traffic.Total;
        var origin = report.Origin;
        var calls = report.Client.OriginCalls;
        var validation = report.Client.Validation;
        return
        [
            new("meter hit + revalidated + miss + stale = app requests", [meter.Hits + meter.Revalidated + meter.Misses + meter.Stale, total.Requests]),
            new("meter stale = Cache-Status stale", [meter.Stale, total.Stale]),
            new(
                "stale on origin failure: Cache-Status = log (CacheServedStaleOnError)",
                [total.StaleOnError, report.LogEvents("CacheServedStaleOnError")]),
            new(
                "sent by the cache = seen by the origin + connections refused",
                [calls.Sent, origin.Requests + calls.ConnectionsRefused]),
            new("sent by the cache = Cache-Status fwd=… not collapsed", [calls.Sent, total.ToOrigin]),
            new(
                "meter revalidated + miss = origin 304s + 200s + collapsed",
                [meter.Revalidated + meter.Misses, origin.NotModified + origin.FullResponses + total.Collapsed]),
            new(
                "refused: hook = detail=rejected = origin substitutes = log",
                [validation.Refused, total.Rejected, origin.Substitutes, report.LogEvents("CacheResponseRejected")]),
            new("accepted: hook = origin 200s with the resource", [validation.Accepted, origin.FullResponses]),
            new("meter origin bytes = body bytes the origin sent", [meter.OriginBytes, origin.BodyBytesSent]),
            new("errors the app got (not 200, unusable body, exception) = 0", [total.Failed, 0]),
        ];
    }
}
