using System.Net;
using System.Net.Sockets;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Proxy.Tests;

/// <summary>An origin that is down, slow or stalls, and a client that goes away: never a hang.</summary>
public sealed class FailureTests
{
    /// <summary>A guard against a hang if the proxy were broken; not a timing assertion.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OriginUnreachable_Gives502()
    {
        // A port that was free a moment ago and has nothing listening on it now.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var proxy = await RunningProxy.StartAsync($"http://127.0.0.1:{port}");

        using var response = await proxy.Client.GetAsync("/anything", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task OriginSlowerThanTheTimeout_Gives504_AndTheOriginRequestIsCancelled()
    {
        await using var origin = SilentOrigin.Start();
        await using var proxy = await RunningProxy.StartAsync(origin.BaseAddress.ToString(), "--Proxy:Timeout", "00:00:00.200");

        using var response = await proxy.Client.GetAsync("/slow", Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(origin.RequestReceived.IsCompleted);
        await origin.ConnectionClosed.WaitAsync(Guard, Ct);
    }

    [Fact]
    public async Task OriginSlowerThanTheTimeout_OnTheApplicationsClock_Gives504()
    {
        // The route's timeout runs on the application's TimeProvider: five minutes of it pass at once here.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var origin = SilentOrigin.Start();
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--origin", origin.BaseAddress.ToString(), "--Proxy:Timeout", "00:05:00", "--HttpCaching:Defaults:OriginTimeout", "01:00:00"],
            builder => builder.Services.AddSingleton<TimeProvider>(time));

        var response = proxy.Client.GetAsync("/slow", Ct);
        await origin.RequestReceived.WaitAsync(Guard, Ct);
        var waiting = !response.IsCompleted;
        time.Advance(TimeSpan.FromMinutes(5));
        using var answered = await response.WaitAsync(Guard, Ct);

        Assert.True(waiting);
        Assert.Equal(HttpStatusCode.GatewayTimeout, answered.StatusCode);
        await origin.ConnectionClosed.WaitAsync(Guard, Ct);
    }

    [Fact]
    public async Task BodyThatStalls_AbortsTheConnectionToTheClient_AndTheOriginConnection()
    {
        // Chunked, and not storable (no-store), so the proxy streams it: the head and the first chunk, then nothing.
        await using var origin = SilentOrigin.Start(
            "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
        await using var proxy = await RunningProxy.StartAsync(origin.BaseAddress.ToString(), "--Proxy:Timeout", "00:00:00.200");

        using var response = await proxy.Client.GetAsync("/stall", HttpCompletionOption.ResponseHeadersRead, Ct);
        var failure = await Record.ExceptionAsync(() => response.Content.ReadAsStringAsync(Ct).WaitAsync(Guard, Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(failure is HttpRequestException or IOException, failure?.ToString());
        await origin.ConnectionClosed.WaitAsync(Guard, Ct);
    }

    [Fact]
    public async Task ClientAbort_CancelsTheOriginRequest()
    {
        // The route's timeout (and the cache's) far beyond the guard: only the client going away can end the request.
        await using var origin = SilentOrigin.Start();
        await using var proxy = await RunningProxy.StartAsync(origin.BaseAddress.ToString(), "--Proxy:Timeout", "00:10:00", "--HttpCaching:Defaults:OriginTimeout", "00:10:00");

        using var clientCancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var request = proxy.Client.GetAsync("/long-poll", clientCancel.Token);
        await origin.RequestReceived.WaitAsync(Guard, Ct);
        await clientCancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await origin.ConnectionClosed.WaitAsync(Guard, Ct);
    }
}
