// HttpCaching demo: an application that polls a third-party RSS feed and an Embedly-style oEmbed API through
// IHttpClientFactory clients named "rss" and "embedly", each with AddThirdPartyCaching() and settings from
// appsettings.json (HttpCaching:Clients). A stand-in for both third parties runs on Kestrel at 127.0.0.1, so the demo
// needs no network. Six hours play out in seconds on a simulated clock (the TimeProvider in DI), and at the end the
// demo shows how few requests reached the origin, how the 30- and 10-minute freshness floors turn short max-ages into
// hits, how an expired entry is revalidated with a cheap 304, and how a changed feed becomes a second stored version.
//
//     dotnet run --project samples/HttpCaching.Demo
using System.Diagnostics;
using HttpCaching;
using HttpCaching.Demo;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console;

var time = new SimulatedTimeProvider(new DateTimeOffset(2025, 3, 3, 6, 0, 0, TimeSpan.Zero));
await using var origin = await StandInOrigin.StartAsync(time);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// The clock the caching handler reads.
builder.Services.AddSingleton<TimeProvider>(time);

// The application's distributed cache, which the handler uses as its store; the decorator counts the keys written.
var memoryStore = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new SimulatedSystemClock(time) }));
builder.Services.AddSingleton(new CountingDistributedCache(memoryStore));
builder.Services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<CountingDistributedCache>());

// The two third-party clients, cached. Their options come from HttpCaching:Clients:<name> in appsettings.json.
builder.Services.AddHttpClient(ClientNames.Rss, client => client.BaseAddress = origin.BaseAddress).AddThirdPartyCaching();
builder.Services.AddHttpClient(ClientNames.Embedly, client => client.BaseAddress = origin.BaseAddress).AddThirdPartyCaching();

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
var scenario = new Scenario(host.Services.GetRequiredService<IHttpClientFactory>(), time, origin);
ReportRenderer.Setup(time, origin, scenario.Clients.Select(c => (c, options.Get(c.Name))));

var stopwatch = Stopwatch.StartNew();
await scenario.RunAsync();
stopwatch.Stop();

var store = host.Services.GetRequiredService<CountingDistributedCache>();
var reports = scenario.Clients
    .Select(c => ClientReport.Create(c, meter.For(c.Name), store, options.Get(c.Name)))
    .ToList();
ReportRenderer.Results(reports, scenario.Clients, scenario.Timeline, stopwatch.Elapsed);

await host.StopAsync();
return 0;
