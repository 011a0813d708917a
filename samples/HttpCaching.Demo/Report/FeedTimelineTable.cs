using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>When the rss client's cache went to the origin, between the phase changes and the feed update.</summary>
public static class FeedTimelineTable
{
    private const string CacheName = HttpCachingDiagnostics.CacheName;

    public static Table Build(Timeline timeline)
    {
        var table = new Table()
            .Title("[bold]When the rss client went to the origin[/]")
            .AddColumn("Simulated")
            .AddColumn(new TableColumn("Times").RightAligned())
            .AddColumn($"[yellow]At the origin[/], or Cache-Status: {CacheName}; …");
        foreach (var entry in timeline.Entries.Where(e => e.Source is ClientNames.Rss or TimelineEntry.Origin))
        {
            var origin = entry.Source == TimelineEntry.Origin;
            table.AddRow(
                Span(entry.At, entry.Until),
                origin ? string.Empty : Count(entry.Count),
                origin ? $"[yellow]{Markup.Escape(entry.Description)}[/]" : Markup.Escape(WithoutCacheName(entry.Description)));
        }

        return table;
    }

    private static string WithoutCacheName(string cacheStatus) =>
        cacheStatus.StartsWith(CacheName + "; ", StringComparison.Ordinal) ? cacheStatus[(CacheName.Length + 2)..] : cacheStatus;
}
