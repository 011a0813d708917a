using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>Prints the results: the tables, the burst, the handler's log events and the cross-checks.</summary>
public static class ReportRenderer
{
    /// <summary>Writes the results; returns whether every cross-check holds.</summary>
    public static bool Results(IReadOnlyList<ClientReport> reports, Scenario scenario, LogEventCounter logs, TimeSpan realTime)
    {
        AnsiConsole.Write(SummaryTable.Build(reports));
        AnsiConsole.WriteLine();
        AnsiConsole.Write(PhaseTable.Build(reports));
        AnsiConsole.MarkupLine(
            "[grey]Cache only: answered without contacting the origin. Origin: the caller's own request went to the origin, "
            + "or tried to. Errors: not 200, a body the client cannot use, or no response.[/]");
        AnsiConsole.WriteLine();
        AnsiConsole.Write(CacheStatusTable.Build(reports));
        AnsiConsole.WriteLine();
        AnsiConsole.Write(FeedTimelineTable.Build(scenario.Timeline));
        AnsiConsole.WriteLine();
        WriteBurst(scenario.BurstResponses);
        WriteLogEvents(logs);
        AnsiConsole.WriteLine();
        var consistent = ChecksView.Write(reports);
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine(Invariant($"Played {ScenarioPlan.Duration.TotalHours} simulated hours in {realTime.TotalSeconds:0.0} s of real time."));
        AnsiConsole.MarkupLine("Latencies are real (Stopwatch), over loopback: a real third party is slower.");
        return consistent;
    }

    private static void WriteBurst(IReadOnlyList<AppResponse> responses)
    {
        var burst = ScenarioPlan.Burst;
        var own = responses.Where(r => r.Info.ContactedOrigin).Select(r => r.Info.Shape).ToList();
        var collapsed = responses.Count(r => r.Info.Collapsed);
        var latency = responses.Select(r => r.Latency).Order().ElementAtOrDefault((responses.Count - 1) / 2);
        var made = own.Count == 1 ? "one origin request" : Invariant($"{own.Count} origin requests");
        AnsiConsole.MarkupLine(
            Invariant($"[bold]Burst at {Clock(burst.At)}:[/] {responses.Count} concurrent {burst.ClientName} requests made {made} ")
            + Invariant($"({Markup.Escape(string.Join(", ", own.Distinct()))}); {collapsed} responses say collapsed. ")
            + Invariant($"p50 latency {Latency(latency)}; the origin takes {burst.OriginLatency.TotalMilliseconds} ms."));
    }

    private static void WriteLogEvents(LogEventCounter logs)
    {
        var events = string.Join(", ", logs.Totals.Select(pair => Invariant($"{pair.Key} ×{pair.Value}")));
        AnsiConsole.MarkupLine(
            $"[bold]The handler logged[/] {Markup.Escape(events.Length == 0 ? "nothing" : events)} at Warning or above; "
            + "the console hides them (Logging:Console:LogLevel:HttpCaching in appsettings.json).");
    }
}
