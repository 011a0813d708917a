using System.Globalization;
using Spectre.Console;

namespace HttpCaching.Demo;

/// <summary>Prints the set-up, the per-client results, the Cache-Status values seen and the feed's timeline.</summary>
public static class ReportRenderer
{
    /// <summary>The cache name the handler puts first in its <c>Cache-Status</c> member.</summary>
    private const string CacheName = HttpCachingDiagnostics.CacheName;

    public static void Setup(SimulatedTimeProvider time, StandInOrigin origin, IEnumerable<(ClientTraffic Traffic, ThirdPartyCachingOptions Options)> clients)
    {
        AnsiConsole.Write(new Rule("[bold]HttpCaching demo[/]").LeftJustified());
        AnsiConsole.MarkupLine($"Stand-in origin on Kestrel at [blue]{Markup.Escape(origin.BaseAddress.ToString())}[/]");
        foreach (var (traffic, options) in clients)
        {
            var endpoint = traffic.Endpoint;
            AnsiConsole.MarkupLine(
                Invariant($"  [bold]{traffic.Name,-8}[/] GET {Markup.Escape(endpoint.Path)}: {Bytes(endpoint.Current.Body.Length)}, ")
                + Invariant($"ETag, max-age={endpoint.MaxAge.TotalSeconds}; MinimumFreshness {options.MinimumFreshness}"));
        }

        AnsiConsole.MarkupLine(Invariant($"Playing {Scenario.Duration.TotalHours} simulated hours from {time.Start:yyyy-MM-dd HH:mm}Z:"));
        AnsiConsole.MarkupLine(Invariant($"  one request per client every {Scenario.Interval.TotalMinutes} simulated minute; the feed changes at +{Clock(Scenario.FeedUpdateAt)}."));
        AnsiConsole.WriteLine();
    }

    public static void Results(IReadOnlyList<ClientReport> reports, IReadOnlyList<ClientTraffic> traffic, IReadOnlyList<TimelineEntry> timeline, TimeSpan realTime)
    {
        AnsiConsole.Write(Summary(reports));
        AnsiConsole.WriteLine();
        AnsiConsole.Write(CacheStatuses(traffic));
        AnsiConsole.WriteLine();
        AnsiConsole.Write(FeedTimeline(timeline));
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine(Invariant($"Played {Scenario.Duration.TotalHours} simulated hours in {realTime.TotalSeconds:0.0} s of real time."));
        AnsiConsole.MarkupLine("Latencies are real (Stopwatch), over loopback: a real third party is slower.");
    }

    private static Table Summary(IReadOnlyList<ClientReport> reports)
    {
        var table = new Table().Title("[bold]Per client[/]").AddColumn(string.Empty);
        foreach (var report in reports)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(report.Name)}[/]").RightAligned());
        }

        void Row(string label, Func<ClientReport, string> value) =>
            table.AddRow([label, .. reports.Select(r => Markup.Escape(value(r)))]);

        Row("Minimum freshness", r => r.MinimumFreshness.ToString());
        Row("Requests by the app", r => Count(r.Requests));
        Row("  hits (served from the cache)", r => Count(r.Hits));
        Row("  revalidated (304 from origin)", r => Count(r.Revalidated));
        Row("  misses (full response)", r => Count(r.Misses));
        Row("Requests the origin saw", r => Count(r.OriginRequests));
        Row("  answered 304 Not Modified", r => Count(r.OriginNotModified));
        Row("  answered 200 with a body", r => Count(r.OriginFullResponses));
        Row("Body versions stored (:b: keys)", r => Count(r.VersionsStored));
        Row("Entry record writes (:e: key)", r => Count(r.EntryWrites));
        Row("Body bytes from the origin", r => Bytes(r.BytesFromOrigin));
        Row("Body bytes served to the app", r => Bytes(r.BytesServed));
        Row("  of which from the cache", r => Bytes(r.BytesServedFromCache));
        Row("p50 latency, hit", r => Latency(r.MedianHitLatency));
        Row("p50 latency, origin call", r => Latency(r.MedianOriginLatency));
        return table;
    }

    private static Table CacheStatuses(IReadOnlyList<ClientTraffic> traffic)
    {
        var table = new Table()
            .Title("[bold]Cache-Status values the app received[/]")
            .AddColumn("Client")
            .AddColumn($"Cache-Status: {CacheName}; …")
            .AddColumn(new TableColumn("Count").RightAligned())
            .AddColumn(new TableColumn("First").RightAligned())
            .AddColumn(new TableColumn("ttl (s)").RightAligned());
        foreach (var client in traffic)
        {
            foreach (var (shape, tally) in client.CacheStatuses)
            {
                var ttl = tally.MinTtl is { } min && tally.MaxTtl is { } max ? Invariant($"{min}–{max}") : "–";
                table.AddRow(
                    Markup.Escape(client.Name),
                    Markup.Escape(shape.StartsWith(CacheName + "; ", StringComparison.Ordinal) ? shape[(CacheName.Length + 2)..] : shape),
                    Count(tally.Count),
                    "+" + Clock(tally.FirstSeen),
                    ttl);
            }
        }

        return table;
    }

    private static Table FeedTimeline(IReadOnlyList<TimelineEntry> timeline)
    {
        var table = new Table()
            .Title("[bold]When the rss client went to the origin[/]")
            .AddColumn("Simulated")
            .AddColumn("Who")
            .AddColumn("What");
        foreach (var entry in timeline.Where(e => e.Source is ClientNames.Rss or TimelineEntry.Origin))
        {
            var what = Markup.Escape(entry.Description);
            table.AddRow("+" + Clock(entry.At), Markup.Escape(entry.Source), entry.Source == TimelineEntry.Origin ? $"[yellow]{what}[/]" : what);
        }

        return table;
    }

    private static string Clock(TimeSpan elapsed) => Invariant($"{(int)elapsed.TotalHours:00}:{elapsed.Minutes:00}");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => Invariant($"{bytes} B"),
        < 1024 * 1024 => Invariant($"{bytes / 1024.0:0.0} KiB"),
        _ => Invariant($"{bytes / (1024.0 * 1024):0.0} MiB"),
    };

    private static string Latency(TimeSpan? latency) => latency switch
    {
        null => "–",
        { TotalMilliseconds: < 1 } value => Invariant($"{value.TotalMicroseconds:0} µs"),
        { } value => Invariant($"{value.TotalMilliseconds:0.0} ms"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
