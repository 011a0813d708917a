// HttpCaching in an ASP.NET Core app: the wiring to copy, with appsettings.json. Two named clients call third parties
// through the cache; the endpoints that use them are written as they would be without it.
//
//     dotnet run --project samples/HttpCaching.Sample
//     curl 'http://localhost:5000/preview?url=https%3A%2F%2Fvimeo.com%2F76979871'   # with Embedly__ApiKey set
//     curl http://localhost:5000/feed
//     curl http://localhost:5000/health
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;

var builder = WebApplication.CreateBuilder(args);

// The cached clients. Their options come from HttpCaching:Defaults and HttpCaching:Clients:<name> (appsettings.json);
// what configuration cannot hold, such as a ValidateResponse hook, goes in AddThirdPartyCaching(o => …).
// The cache is added first, so it is outermost: a hit never reaches the retries, timeouts and circuit breaker, and
// when they give up the cache serves the stored response (stale-if-error).
builder.Services.AddHttpClient("embedly", c => c.BaseAddress = new Uri("https://api.embedly.com/"))
    .AddThirdPartyCaching()
    .AddStandardResilienceHandler();
builder.Services.AddHttpClient("rss", c => c.BaseAddress = new Uri("https://devblogs.microsoft.com/dotnet/"))
    .AddThirdPartyCaching()
    .AddStandardResilienceHandler();

// The store. Without one, each instance caches in its own memory (HttpCaching:Store:MemorySizeLimit). With PostgreSQL,
// every instance shares one cache; the table is created on first use. Put the connection string in user secrets or
// the environment (ConnectionStrings__HttpCache), not in appsettings.json.
if (builder.Configuration.GetConnectionString("HttpCache") is { Length: > 0 } connectionString)
{
    builder.Services.AddPostgreSqlHttpCache(connectionString);
}

// Each cached client's store. Degraded, not Unhealthy, when a store is down: the outage costs hits, never responses,
// so it should not take the instance out of the load balancer.
builder.Services.AddHealthChecks().AddHttpCaching(failureStatus: HealthStatus.Degraded);

// The cache's meter and spans. An origin request (System.Net.Http) is a child of its httpcaching.request span, so a
// hit has none. Keep Microsoft.AspNetCore (or AddAspNetCoreInstrumentation): without a recorded span for the incoming
// request, the default parent-based sampler drops the cache's spans. Sent to OTEL_EXPORTER_OTLP_ENDPOINT (default
// http://localhost:4317).
builder.Services.AddOpenTelemetry()
    .WithMetrics(m => m.AddMeter("HttpCaching"))
    .WithTracing(t => t.AddSource("HttpCaching", "System.Net.Http", "Microsoft.AspNetCore"))
    .UseOtlpExporter();

var app = builder.Build();

app.MapHealthChecks("/health");

// Plain HttpClient calls, as without the cache: a hit is an ordinary 200 response (its Cache-Status header says what
// the cache did).
app.MapGet("/preview", async (string url, IHttpClientFactory clients, IConfiguration configuration, CancellationToken cancellationToken) =>
{
    var embedly = clients.CreateClient("embedly");
    var key = Uri.EscapeDataString(configuration["Embedly:ApiKey"] ?? string.Empty);
    var json = await embedly.GetStringAsync($"1/oembed?url={Uri.EscapeDataString(url)}&key={key}", cancellationToken);
    return Results.Text(json, "application/json");
});

app.MapGet("/feed", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
{
    var rss = clients.CreateClient("rss");
    var xml = await rss.GetStringAsync("feed/", cancellationToken);
    return Results.Text(xml, "application/rss+xml");
});

app.Run();
