using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>Every shape of <c>Cache-Status</c> value the app received, per client, with counts and ttl ranges.</summary>
public static class CacheStatusTable
{
    /// <summary>The cache name the handler puts first in its <c>Cache-Status</c> member.</summary>
    private const string CacheName = HttpCachingDiagnostics.CacheName;

    public static Table Build(IReadOnlyList<ClientReport> reports)
    {
        var table = new Table()
            .Title("[bold]Cache-Status values the app received[/]")
            .AddColumn("Client")
            .AddColumn($"Cache-Status: {CacheName}; …")
            .AddColumn(new TableColumn("Count").RightAligned())
            .AddColumn(new TableColumn("First").RightAligned())
            .AddColumn(new TableColumn("ttl (s)").RightAligned());
        foreach (var report in reports)
        {
            foreach (var (shape, tally) in report.Traffic.CacheStatuses)
            {
                var ttl = tally.MinTtl is { } min && tally.MaxTtl is { } max ? Invariant($"{min}–{max}") : "–";
                table.AddRow(
                    Markup.Escape(report.Name),
                    Markup.Escape(shape.StartsWith(CacheName + "; ", StringComparison.Ordinal) ? shape[(CacheName.Length + 2)..] : shape),
                    Count(tally.Count),
                    Clock(tally.FirstSeen),
                    ttl);
            }
        }

        return table;
    }
}
