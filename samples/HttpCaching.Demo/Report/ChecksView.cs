using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>
/// Prints the cross-checks of every client, and, if a caller ever got something else than a 200, each such response
/// with the reason.
/// </summary>
public static class ChecksView
{
    /// <summary>Writes the checks; returns whether all of them hold.</summary>
    public static bool Write(IReadOnlyList<ClientReport> reports)
    {
        var checks = reports.Select(ConsistencyChecks.For).ToList();
        var table = new Table().Title("[bold]Do the numbers agree?[/]").AddColumn("Check");
        foreach (var report in reports)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(report.Name)}[/]").RightAligned());
        }

        for (var i = 0; i < checks[0].Count; i++)
        {
            table.AddRow([Markup.Escape(checks[0][i].Description), .. checks.Select(c => Cell(c[i]))]);
        }

        AnsiConsole.Write(table);
        WriteFailures(reports);
        return checks.All(c => c.All(check => check.Holds));
    }

    private static string Cell(ConsistencyCheck check)
    {
        var values = string.Join(check.Holds ? " = " : " ≠ ", check.Values.Select(Count));
        return check.Holds ? $"[green]✓[/] {values}" : $"[red]✗ {values}[/]";
    }

    private static void WriteFailures(IReadOnlyList<ClientReport> reports)
    {
        var failures = reports.SelectMany(r => r.Traffic.Failures.Select(f => (r.Name, Response: f))).ToList();
        if (failures.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]No caller got an error, during the outage or at any other time.[/]");
            return;
        }

        AnsiConsole.MarkupLine(
            Invariant($"[red]{failures.Count} callers got an error.[/] When the origin fails, the handler serves a stored response ")
            + "only if one is stored, within StaleIfError, and not must-revalidate. Otherwise it passes the origin's response "
            + "through, as it does any response it does not store (no-store, private, too large): ValidateResponse never "
            + "sees those. The first ones:");
        foreach (var (name, response) in failures.Take(5))
        {
            var what = response.Error ?? Invariant($"{response.StatusCode}{(response.Expected ? string.Empty : ", unusable body")}");
            AnsiConsole.MarkupLine(Invariant($"  {Clock(response.At)} {name} ({response.Phase.Name}): {Markup.Escape(what)}"));
            AnsiConsole.MarkupLine($"    Cache-Status: {Markup.Escape(response.CacheStatus)}");
        }
    }
}
