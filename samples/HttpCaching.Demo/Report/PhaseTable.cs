using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>Phase by phase, for each client: how the requests were answered. The second row of a phase gives its times.</summary>
public static class PhaseTable
{
    public static Table Build(IReadOnlyList<ClientReport> reports)
    {
        var table = new Table()
            .Title("[bold]Phase by phase[/]")
            .AddColumn("Phase")
            .AddColumn("Client")
            .AddColumn(new TableColumn("Requests").RightAligned())
            .AddColumn(new TableColumn("Cache only").RightAligned())
            .AddColumn(new TableColumn("Origin").RightAligned())
            .AddColumn(new TableColumn("Stale").RightAligned())
            .AddColumn(new TableColumn("Errors").RightAligned());
        foreach (var phase in ScenarioPlan.Phases)
        {
            var first = true;
            foreach (var report in reports)
            {
                var tally = report.Traffic.Phases.GetValueOrDefault(phase) ?? new PhaseTally();
                table.AddRow(
                    first ? Name(phase) : Span(phase.Start, phase.End - ScenarioPlan.Interval),
                    Markup.Escape(report.Name),
                    Count(tally.Requests),
                    Count(tally.FromCache),
                    Count(tally.ToOrigin),
                    Count(tally.Stale),
                    tally.Failed == 0 ? "0" : $"[red]{Count(tally.Failed)}[/]");
                first = false;
            }
        }

        return table;
    }

    private static string Name(Phase phase) => phase.IsOutage ? $"[yellow]{Markup.Escape(phase.Name)}[/]" : $"[bold]{Markup.Escape(phase.Name)}[/]";
}
