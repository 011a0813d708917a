using Spectre.Console;
using static HttpCaching.Demo.Format;

namespace HttpCaching.Demo;

/// <summary>Prints what the demo is about to play: the stand-ins, the clients and their options, and the phases.</summary>
public static class SetupView
{
    public static void Write(SimulatedTimeProvider time, StandInOrigin origin, IEnumerable<(DemoClient Client, ThirdPartyCachingOptions Options)> clients)
    {
        AnsiConsole.Write(new Rule("[bold]HttpCaching demo[/]").LeftJustified());
        AnsiConsole.MarkupLine($"Stand-ins on Kestrel: the blog at [blue]{Markup.Escape(origin.FeedBaseAddress.ToString())}[/],");
        AnsiConsole.MarkupLine($"                      the oEmbed API at [blue]{Markup.Escape(origin.OEmbedBaseAddress.ToString())}[/]");
        foreach (var (client, options) in clients)
        {
            var endpoint = client.Endpoint;
            AnsiConsole.MarkupLine(
                Invariant($"  [bold]{client.Name,-8}[/] GET {Markup.Escape(endpoint.Path)}: {Bytes(endpoint.Current.Body.Length)}, ETag, max-age={endpoint.MaxAge.TotalSeconds}"));
            AnsiConsole.MarkupLine(
                Invariant($"           MinimumFreshness {options.MinimumFreshness}, StaleIfError {options.StaleIfError}"));
            AnsiConsole.MarkupLine($"           ValidateResponse: {Markup.Escape(client.Expects)}");
        }

        AnsiConsole.MarkupLine(Invariant($"Playing {ScenarioPlan.Duration.TotalHours} simulated hours from {time.Start:yyyy-MM-dd HH:mm}Z,"));
        AnsiConsole.MarkupLine("one request per client every simulated minute:");
        foreach (var phase in ScenarioPlan.Phases)
        {
            var lines = Describe(phase);
            AnsiConsole.MarkupLine(Invariant($"  {Clock(phase.Start)} [bold]{phase.Name,-12}[/] {Markup.Escape(lines[0])}"));
            foreach (var line in lines.Skip(1))
            {
                AnsiConsole.MarkupLine($"                      {Markup.Escape(line)}");
            }
        }

        AnsiConsole.WriteLine();
    }

    private static List<string> Describe(Phase phase)
    {
        var burst = ScenarioPlan.Burst;
        var lines = new List<string>();
        if (phase.Feed != EndpointBehaviour.Normal || phase.OEmbed != EndpointBehaviour.Normal)
        {
            lines.Add($"rss: {phase.Feed.Description}");
            lines.Add($"embedly: {phase.OEmbed.Description}");
        }

        if (phase.Start <= ScenarioPlan.FeedUpdateAt && ScenarioPlan.FeedUpdateAt < phase.End)
        {
            lines.Add($"the feed changes at {Clock(ScenarioPlan.FeedUpdateAt)}");
        }

        if (phase.Start <= burst.At && burst.At < phase.End)
        {
            lines.Add(Invariant($"at {Clock(burst.At)}, {burst.Requests} concurrent {burst.ClientName} requests as its entry"));
            lines.Add(Invariant($"goes stale; the origin takes {burst.OriginLatency.TotalMilliseconds} ms (real time) to answer"));
        }

        return lines.Count > 0 ? lines : [string.Empty];
    }
}
