using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>The per-client totals: what the callers got, what reached the origin, what was stored, bytes and latency.</summary>
public static class SummaryTable
{
    public static Table Build(IReadOnlyList<ClientReport> reports)
    {
        var table = new Table().Title("[bold]Per client[/]").AddColumn(string.Empty);
        foreach (var report in reports)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(report.Name)}[/]").RightAligned());
        }

        void Row(string label, Func<ClientReport, string> value) =>
            table.AddRow([Markup.Escape(label), .. reports.Select(r => Markup.Escape(value(r)))]);

        var outage = reports.ToDictionary(r => r, r => r.Traffic.Outage());

        Row("Minimum freshness", r => r.MinimumFreshness.ToString());
        Row("Requests by the app", r => Count(r.Traffic.Requests));
        Row("  hits (fresh, from the cache)", r => Count(r.Meter.Hits));
        Row("  revalidated (304 from the origin)", r => Count(r.Meter.Revalidated));
        Row("  misses (full response)", r => Count(r.Meter.Misses));
        Row("  stale (the origin was failing)", r => Count(r.Meter.Stale));
        Row("  collapsed into a concurrent request", r => Count(r.Traffic.Total.Collapsed));
        Row("  errors (not 200, unusable body, none)", r => Count(r.Traffic.Total.Failed));
        Row("Requests the cache sent to the origin", r => Count(r.Client.OriginCalls.Sent));
        Row("  connection refused", r => Count(r.Client.OriginCalls.ConnectionsRefused));
        Row("Requests the origin saw", r => Count(r.Origin.Requests));
        Row("  answered 304 Not Modified", r => Count(r.Origin.NotModified));
        Row("  answered 200 with the resource", r => Count(r.Origin.FullResponses));
        Row("  answered 503 or 429", r => Count(r.Origin.Errors));
        Row("  answered 200 with something else", r => Count(r.Origin.Substitutes));
        Row("Responses refused by ValidateResponse", r => Count(r.Client.Validation.Refused));
        Row(Invariant($"Outage, {Span(ScenarioPlan.OutageStart, ScenarioPlan.OutageEnd - ScenarioPlan.Interval)}:"), _ => string.Empty);
        Row("  requests by the app", r => Count(outage[r].Requests));
        Row("  answered without contacting the origin", r => Count(outage[r].FromCache));
        Row("  answered with a stale response", r => Count(outage[r].Stale));
        Row("  errors (not 200, unusable body, none)", r => Count(outage[r].Failed));
        Row("Body versions stored (:b: keys)", r => Count(r.VersionsStored));
        Row("Entry record writes (:e: key)", r => Count(r.EntryWrites));
        Row("Body bytes from the origin", r => Bytes(r.Meter.OriginBytes));
        Row("Body bytes served to the app", r => Bytes(r.Traffic.BytesServed));
        Row("  of which from the cache", r => Bytes(r.Meter.CacheBytes));
        Row("p50 latency, hit", r => Latency(r.Traffic.MedianHitLatency));
        Row("p50 latency, origin call", r => Latency(r.Traffic.MedianOriginLatency));
        return table;
    }
}
