// HttpCaching demo: an application that polls a third-party RSS feed and an Embedly-style oEmbed API through
// IHttpClientFactory clients named "rss" and "embedly", each with AddThirdPartyCaching(): settings from
// appsettings.json (HttpCaching:Clients), and a ValidateResponse hook in code. Stand-ins for both third parties run on
// Kestrel at 127.0.0.1, so the demo needs no network. Eight and a half hours play out in seconds on a simulated clock
// (the TimeProvider in DI). The first six are quiet: the freshness floors turn short max-ages into hits, an expired
// entry is revalidated with a cheap 304, and a changed feed becomes a second stored version. Then the third parties
// go down, rate-limit, and serve a maintenance page and broken JSON, and the callers still get the stored responses;
// at the end, a burst of concurrent requests shares one origin request.
//
//     dotnet run --project samples/HttpCaching.Demo
//
// Origin/           the stand-in third parties: Kestrel hosts, their resources, what they serve and how they misbehave
// Scenario/         what is played: the plan and its phases, the simulated clock, the app's clients and their checks
// Instrumentation/  what each side counts: the callers, the meter, the log, the store, and a counter below the cache
// Report/           the tables printed at the start and the end, and the cross-checks between those counts
// (every file is in the namespace HttpCaching.Demo, whatever its folder)
//
// The wiring to copy into an ASP.NET Core app is samples/HttpCaching.Sample.
using System.Diagnostics;
using HttpCaching;
using HttpCaching.Demo;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;

var time = new SimulatedTimeProvider(ScenarioPlan.Start);
await using var origin = await StandInOrigin.StartAsync(time);

DemoClient[] clients =
[
    new(ClientNames.Rss, origin.Feed, new Uri(StandInOrigin.FeedPath, UriKind.Relative), "an RSS document", ResponseChecks.IsRssFeed),
    new(
        ClientNames.Embedly,
        origin.OEmbed,
        new Uri(StandInOrigin.OEmbedPath + "?url=https%3A%2F%2Fvideo.example.com%2Fwatch%3Fv%3Dx7Gq2Lm&format=json", UriKind.Relative),
        "oEmbed JSON",
        ResponseChecks.IsOEmbedDocument),
];

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Counts the handler's log events, as a log dashboard would.
var logEvents = new LogEventCounter("HttpCaching");
builder.Logging.AddProvider(logEvents);

// The clock the caching handler reads.
builder.Services.AddSingleton<TimeProvider>(time);

// The application's distributed cache, which the handler uses as its store; the decorator counts the keys written.
var memoryStore = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new SimulatedSystemClock(time) }));
builder.Services.AddSingleton(new CountingDistributedCache(memoryStore));
builder.Services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<CountingDistributedCache>());

// The two third-party clients, cached. Their options come from HttpCaching:Clients:<name> in appsettings.json, except
// ValidateResponse: configuration cannot hold a delegate, so the hook is set in code.
AddCachedClient(clients[0], origin.FeedBaseAddress);
AddCachedClient(clients[1], origin.OEmbedBaseAddress);

using var host = builder.Build();
using var meter = new CacheMeterListener();
try
{
    // Starting the host validates the caching options: a misspelt key in appsettings.json stops the demo here.
    await host.StartAsync();
}
catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
{
    AnsiConsole.MarkupLine($"[red]Invalid configuration:[/] {Markup.Escape(ex.Message)}");
    return 1;
}

var options = host.Services.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>();
var scenario = new Scenario(host.Services.GetRequiredService<IHttpClientFactory>(), time, origin, clients);
SetupView.Write(time, origin, clients.Select(c => (c, options.Get(c.Name))));

var stopwatch = Stopwatch.StartNew();
await scenario.RunAsync();
stopwatch.Stop();

var store = host.Services.GetRequiredService<CountingDistributedCache>();
var reports = clients
    .Select(c => ClientReport.Create(c, meter.For(c.Name), logEvents, store, options.Get(c.Name)))
    .ToList();
var consistent = ReportRenderer.Results(reports, scenario, logEvents, stopwatch.Elapsed);

await host.StopAsync();

// A cross-check that does not hold, or a caller that got an error, is a failure of the demo.
return consistent ? 0 : 2;

void AddCachedClient(DemoClient client, Uri baseAddress)
{
    builder.Services.AddHttpClient(client.Name, c => c.BaseAddress = baseAddress)
        .AddThirdPartyCaching(o => o.ValidateResponse = client.Validation.ValidateAsync)
        .AddHttpMessageHandler(() => new OriginCallCounter(client.OriginCalls)); // below the cache: sees only origin requests
}
