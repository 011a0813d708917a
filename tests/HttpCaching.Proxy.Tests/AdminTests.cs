using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using HttpCaching.Proxy.Tests.Helpers;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// The admin endpoints: health (the library's check, per route), and purge behind a bearer token, off without one,
/// and on an address of their own when <c>Proxy:AdminUrls</c> is set.
/// </summary>
public sealed class AdminTests
{
    private const string Token = "purge-token-0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Routes(RecordingOrigin embedly, RecordingOrigin rss, params string[] more) =>
    [
        "--Proxy:Routes:embedly:PathPrefix", "/embedly",
        "--Proxy:Routes:embedly:Origin", embedly.Authority,
        "--Proxy:Routes:rss:PathPrefix", "/rss",
        "--Proxy:Routes:rss:Origin", rss.Authority,
        .. more,
    ];

    [Fact]
    public async Task Health_ReportsTheStoreStatusOfEachRoute()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss, "--HttpCaching:Clients:rss:Enabled", "false"));

        using var response = await proxy.Client.GetAsync("/_httpcaching/health", Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("routes").GetProperty("embedly").GetString());
        Assert.Equal("Disabled", json.RootElement.GetProperty("routes").GetProperty("rss").GetString());
        Assert.Empty(embedly.Targets);
    }

    [Fact]
    public async Task Health_StoreThatCannotBeReached_IsReportedDegraded()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(
            embedly, rss,
            "--Proxy:Store:Provider", "Redis",
            "--Proxy:Store:ConnectionString", "127.0.0.1:1,connectTimeout=100,abortConnect=false"));

        // A request makes the store's failure known; it is still answered, from the origin.
        using var served = await proxy.Client.GetAsync("/embedly/x", Ct);
        using var response = await proxy.Client.GetAsync("/_httpcaching/health", Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.NotEqual("Healthy", json.RootElement.GetProperty("routes").GetProperty("embedly").GetString());
        Assert.NotEqual("Healthy", json.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("PURGE")]
    [InlineData("POST")]
    public async Task Purge_WithTheToken_RemovesTheStoredResponse_OfThatPathOnly(string method)
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss, "--Proxy:PurgeToken", Token));
        await proxy.Client.GetStringAsync("/embedly/a?url=1", Ct);
        await proxy.Client.GetStringAsync("/embedly/b", Ct);

        using var purged = await proxy.Client.SendAsync(Purge(method, "/embedly/a?url=1", Token), Ct);
        using var again = await proxy.Client.GetAsync("/embedly/a?url=1", Ct);
        using var other = await proxy.Client.GetAsync("/embedly/b", Ct);
        using var nothing = await proxy.Client.SendAsync(Purge(method, "/embedly/never-stored", Token), Ct);

        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", again.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, nothing.StatusCode);
        Assert.Equal(["/a?url=1", "/b", "/a?url=1"], embedly.Targets);
    }

    [Theory]
    [InlineData("PURGE", null)]
    [InlineData("PURGE", "wrong-token-0123456789abcdef")]
    [InlineData("PURGE", Token + "x")]
    [InlineData("PURGE", "")]
    [InlineData("POST", null)]
    [InlineData("POST", "purge-token-0123456789abcdeF")]
    public async Task Purge_WithoutTheRightToken_Is401_AndRemovesNothing(string method, string? token)
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss, "--Proxy:PurgeToken", Token));
        await proxy.Client.GetStringAsync("/embedly/a", Ct);

        using var refused = await proxy.Client.SendAsync(Purge(method, "/embedly/a", token), Ct);
        using var basic = Purge(method, "/embedly/a", null);
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("u:"u8.ToArray()) + Token);
        using var refusedBasic = await proxy.Client.SendAsync(basic, Ct);
        using var after = await proxy.Client.GetAsync("/embedly/a", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, refusedBasic.StatusCode);
        Assert.StartsWith("HttpCaching; hit", after.CacheStatus(), StringComparison.Ordinal);
        Assert.Single(embedly.Targets);
    }

    [Theory]
    [InlineData("/elsewhere/a")]
    [InlineData("/embedly/../../rss-not/a")]
    [InlineData("/embedly/%2e%2e/secret")]
    [InlineData("/embedlyx/a")]
    [InlineData("/_httpcaching/health")]
    public async Task Purge_OfAPathOutsideEveryRoute_Is404_AndRemovesNothing(string path)
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss, "--Proxy:PurgeToken", Token));
        await proxy.Client.GetStringAsync("/embedly/a", Ct);

        using var purge = await proxy.Client.SendAsync(Purge("POST", path, Token), Ct);
        using var purgeMethod = await proxy.Client.SendAsync(Purge("PURGE", path, Token), Ct);
        using var after = await proxy.Client.GetAsync("/embedly/a", Ct);

        Assert.Equal(HttpStatusCode.NotFound, purge.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, purgeMethod.StatusCode);
        Assert.StartsWith("HttpCaching; hit", after.CacheStatus(), StringComparison.Ordinal);
        Assert.Single(embedly.Targets);
    }

    [Fact]
    public async Task Purge_WithoutATokenConfigured_IsOff_AndNeverForwarded()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss));
        await proxy.Client.GetStringAsync("/embedly/a", Ct);

        using var purgeMethod = await proxy.Client.SendAsync(Purge("PURGE", "/embedly/a", Token), Ct);
        using var post = await proxy.Client.SendAsync(Purge("POST", "/embedly/a", Token), Ct);
        using var after = await proxy.Client.GetAsync("/embedly/a", Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, purgeMethod.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.StartsWith("HttpCaching; hit", after.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(["/a"], embedly.Targets);
    }

    [Fact]
    public async Task AdminUrls_ServeHealthAndPurge_AndThePublicAddressServesNeither()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Routes(embedly, rss, "--Proxy:PurgeToken", Token, "--Proxy:AdminUrls", "http://127.0.0.1:0"));
        using var admin = new HttpClient { BaseAddress = proxy.AdminAddress };
        await proxy.Client.GetStringAsync("/embedly/a", Ct);

        using var publicHealth = await proxy.Client.GetAsync("/_httpcaching/health", Ct);
        using var publicPurge = await proxy.Client.SendAsync(Purge("PURGE", "/embedly/a", Token), Ct);
        using var publicPost = await proxy.Client.SendAsync(Purge("POST", "/embedly/a", Token), Ct);
        using var stillHit = await proxy.Client.GetAsync("/embedly/a", Ct);
        using var adminHealth = await admin.GetAsync("/_httpcaching/health", Ct);
        using var adminForward = await admin.GetAsync("/embedly/a", Ct);
        using var adminPurge = await admin.SendAsync(Purge("PURGE", "/embedly/a", Token), Ct);
        using var purgedMiss = await proxy.Client.GetAsync("/embedly/a", Ct);

        Assert.NotEqual(proxy.BaseAddress.Port, proxy.AdminAddress.Port);
        Assert.Equal(HttpStatusCode.NotFound, publicHealth.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, publicPurge.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, publicPost.StatusCode);
        Assert.StartsWith("HttpCaching; hit", stillHit.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, adminHealth.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adminForward.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminPurge.StatusCode);
        Assert.StartsWith("HttpCaching; fwd=uri-miss", purgedMiss.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(["/a", "/a"], embedly.Targets);
    }

    [Fact]
    public async Task AdminUrls_WithKestrelEndpointsInTheEnvironment_AdminIsServedOnTheAdminUrlOnly()
    {
        // Kestrel:Endpoints (here from the environment, as a deployment may set it for the public address) used to
        // override Proxy:AdminUrls on the admin server too: it listened elsewhere, or on the public port.
        var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var adminPort = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        await using var proxy = await ProxyProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["Kestrel__Endpoints__Public__Url"] = "http://127.0.0.1:0",
                ["Proxy__AdminUrls"] = $"http://127.0.0.1:{adminPort}",
            },
            "--origin", "http://127.0.0.1:1/");
        using var client = new HttpClient();

        // Both servers say where they listen; the public one is the address that is not the admin's.
        using var adminHealth = await client.GetAsync($"http://127.0.0.1:{adminPort}/_httpcaching/health", Ct);
        var publicAddress = await proxy.ListeningAsync(address => address.Port != adminPort).WaitAsync(TimeSpan.FromMinutes(1), Ct);
        using var publicHealth = await client.GetAsync(new Uri(publicAddress, "/_httpcaching/health"), Ct);

        Assert.Equal(HttpStatusCode.OK, adminHealth.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, publicHealth.StatusCode);
    }

    private static HttpRequestMessage Purge(string method, string path, string? token)
    {
        var request = method == "POST"
            ? new HttpRequestMessage(HttpMethod.Post, "/_httpcaching/purge") { Content = new StringContent(path) }
            : new HttpRequestMessage(new HttpMethod(method), new Uri("http://placeholder" + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }).PathAndQuery);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return request;
    }
}
