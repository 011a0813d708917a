using System.Net;
using System.Text;
using HttpCaching.Proxy.Internal;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace HttpCaching.Proxy.Tests;

/// <summary>The access log and the metrics export.</summary>
public sealed class OperationsTests
{
    private const string QuerySecret = "api_key=q-5ecret-91ab";
    private const string HeaderSecret = "h-5ecret-62cd";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AccessLog_OneRecordPerRequest_WithRouteOutcomeAndStatus_WithoutQueryOrHeaderValues()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", embedly.Authority, "--Logging:LogLevel:HttpCaching.Proxy.AccessLog", "Information"],
            builder => builder.Services.AddFakeLogging());

        foreach (var path in new[] { $"/embedly/oembed?{QuerySecret}", $"/embedly/oembed?{QuerySecret}", $"/nowhere?{QuerySecret}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Api-Key", HeaderSecret);
            using var response = await proxy.Client.SendAsync(request, Ct);
        }

        await proxy.StopAsync();
        var records = proxy.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Category == AccessLog.Category).ToArray();
        Assert.Equal(3, records.Length);
        Assert.All(records, r => Assert.Equal(AccessLog.AccessId, r.Id.Id));
        Assert.All(records, r => Assert.Equal(LogLevel.Information, r.Level));
        Assert.Equal(["embedly", "embedly", "-"], records.Select(r => r.GetStructuredStateValue("Route")));
        Assert.Equal(["/embedly/oembed", "/embedly/oembed", "/nowhere"], records.Select(r => r.GetStructuredStateValue("Path")));
        Assert.Equal(["200", "200", "404"], records.Select(r => r.GetStructuredStateValue("StatusCode")));
        Assert.Equal(["fwd=uri-miss", "hit", "-"], records.Select(r => r.GetStructuredStateValue("CacheOutcome")));
        Assert.All(records, r => Assert.Equal("GET", r.GetStructuredStateValue("Method")));
        Assert.All(records, r => Assert.NotNull(r.GetStructuredStateValue("DurationMs")));
        records.AssertNoneContains(StringComparison.Ordinal, QuerySecret, "q-5ecret", HeaderSecret);
    }

    [Fact]
    public async Task AccessLog_AsShipped_Off()
    {
        // The shipped appsettings.json turns the access log off: a console line per request costs a hit about as much
        // CPU again as the hit itself (benchmarks/proxy/README.md).
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", embedly.Authority, "--Logging:LogLevel:Default", "Information"],
            builder => builder.Services.AddFakeLogging());

        using var response = await proxy.Client.GetAsync("/embedly/oembed", Ct);
        await proxy.StopAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var logs = proxy.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Level == LogLevel.Information);
        Assert.DoesNotContain(logs, r => r.Category == AccessLog.Category);
    }

    [Theory]
    [InlineData("HttpCaching; hit; ttl=60", "hit")]
    [InlineData("Upstream; hit, HttpCaching; fwd=stale; fwd-status=304", "fwd=stale")]
    [InlineData("Upstream; fwd=miss", "-")]
    [InlineData("", "-")]
    public void AccessLogOutcome_IsTheCachesOwnMember(string header, string expected)
    {
        Assert.Equal(expected, AccessLog.Outcome(header.Length == 0 ? [] : [header]));
    }

    [Fact]
    public async Task Metrics_WithAnOtlpEndpoint_ExportTheHttpCachingMeter()
    {
        var exports = new List<byte[]>();
        await using var collector = await KestrelOrigin.StartAsync(app => app.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            lock (exports)
            {
                exports.Add(body.ToArray());
            }

            return Results.Ok();
        }));
        await using var origin = await RecordingOrigin.StartAsync("one");
        await using var proxy = await RunningProxy.StartAsync(
            origin.Authority,
            "--Proxy:Otlp:Endpoint", collector.Url("/v1/metrics").ToString(),
            "--Proxy:Otlp:Protocol", "HttpProtobuf");

        await proxy.Client.GetStringAsync("/a", Ct);
        await proxy.Client.GetStringAsync("/a", Ct);
        Assert.True(proxy.Services.GetRequiredService<MeterProvider>().ForceFlush());

        byte[][] received;
        lock (exports)
        {
            received = [.. exports];
        }

        var text = string.Join('\n', received.Select(Encoding.Latin1.GetString));
        Assert.Contains(HttpCachingDiagnostics.RequestsInstrument, text, StringComparison.Ordinal);
        Assert.Contains(HttpCachingDiagnostics.MeterName, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_WithoutAnEndpoint_BuildNoOpenTelemetryPipeline()
    {
        await using var origin = await RecordingOrigin.StartAsync("one");
        await using var proxy = await RunningProxy.StartAsync(origin.Authority);

        Assert.Null(proxy.Services.GetService<MeterProvider>());
    }
}
