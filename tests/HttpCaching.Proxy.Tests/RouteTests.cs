using System.Net;
using HttpCaching.Proxy.Internal;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// Routes: each path prefix goes to its own origin (and base path), through a caching client of the route's name; a
/// path no route serves gets the proxy's own 404, so nothing is forwarded to a host no route names.
/// </summary>
public sealed class RouteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] TwoRoutes(RecordingOrigin embedly, RecordingOrigin rss) =>
    [
        "--Proxy:Routes:embedly:PathPrefix", "/embedly",
        "--Proxy:Routes:embedly:Origin", embedly.Authority + "/api/",
        "--Proxy:Routes:rss:PathPrefix", "/rss/",
        "--Proxy:Routes:rss:Origin", rss.Authority,
    ];

    [Fact]
    public async Task Get_PathUnderARoutePrefix_GoesToThatRoutesOriginBehindItsBasePath()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        var a = await proxy.Client.GetStringAsync("/embedly/1/oembed?url=x", Ct);
        var b = await proxy.Client.GetStringAsync("/rss/feed.xml", Ct);
        var c = await proxy.Client.GetStringAsync("/embedly", Ct);

        Assert.Equal("embedly /api/1/oembed?url=x", a);
        Assert.Equal("rss /feed.xml", b);
        Assert.Equal("embedly /api", c);
        Assert.Equal(["/api/1/oembed?url=x", "/api"], embedly.Targets);
        Assert.Equal(["/feed.xml"], rss.Targets);
    }

    [Fact]
    public async Task Get_EachRouteIsACachingClientOfItsName_TunedByHttpCachingClients()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync([.. TwoRoutes(embedly, rss), "--HttpCaching:Clients:rss:Enabled", "false"]);

        using var embedly1 = await proxy.Client.GetAsync("/embedly/x", Ct);
        using var embedly2 = await proxy.Client.GetAsync("/embedly/x", Ct);
        using var rss1 = await proxy.Client.GetAsync("/rss/x", Ct);
        using var rss2 = await proxy.Client.GetAsync("/rss/x", Ct);

        Assert.StartsWith("HttpCaching; hit", embedly2.CacheStatus(), StringComparison.Ordinal);
        Assert.Single(embedly.Targets);
        Assert.Equal(string.Empty, rss2.CacheStatus());
        Assert.Equal(2, rss.Targets.Count);
    }

    [Fact]
    public async Task Get_OriginForm_IsOneRouteNamedOrigin_TunedByHttpCachingClientsOrigin()
    {
        await using var origin = await RecordingOrigin.StartAsync("one");
        await using var proxy = await RunningProxy.StartAsync(origin.Authority, "--HttpCaching:Clients:origin:Enabled", "false");

        using var first = await proxy.Client.GetAsync("/anything/at/all", Ct);
        using var second = await proxy.Client.GetAsync("/anything/at/all", Ct);

        Assert.Equal(ProxyApp.ClientName, Assert.Single(proxy.Services.GetRequiredService<RouteTable>().Routes).Name);
        Assert.Equal("one /anything/at/all", await second.Content.ReadAsStringAsync(Ct));
        Assert.Equal(string.Empty, second.CacheStatus());
        Assert.Equal(2, origin.Targets.Count);
    }

    [Theory]
    [InlineData("/embedlyx")]
    [InlineData("/embedlyx/1/oembed")]
    [InlineData("/embedly.old/x")]
    [InlineData("/Embedly/x")]
    [InlineData("/")]
    [InlineData("/other?url=/embedly/x")]
    [InlineData("/embedly/../secret")]
    [InlineData("/embedly/%2e%2e/secret")]
    [InlineData("/embedly/%2E%2E/%2e%2e/secret")]
    [InlineData("/embedly\\..\\secret")]
    [InlineData("/embedly/./../secret")]
    public async Task Get_PathNoRouteServes_Gets404FromTheProxy_AndNoOriginIsAsked(string target)
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        using var response = await proxy.Client.GetAsync(proxy.RawUrl(target), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ProxyForwarder.NoRouteBody, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(string.Empty, response.CacheStatus());
        Assert.Empty(embedly.Targets);
        Assert.Empty(rss.Targets);
    }

    [Theory]
    [InlineData("/embedly/x/../../rss/feed", "rss", "/feed")]
    [InlineData("/embedly/%2e%2e/rss/feed", "rss", "/feed")]
    [InlineData("/embedly/a/%2e%2e/b", "embedly", "/api/b")]
    [InlineData("/%65mbedly/x", "embedly", "/api/x")]
    public async Task Get_DotSegmentsAndEscapes_AreResolvedBeforeRouting_SoNoneClimbsOutOfAPrefix(string target, string route, string received)
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        var body = await proxy.Client.GetStringAsync(proxy.RawUrl(target), Ct);

        Assert.Equal($"{route} {received}", body);
        Assert.Equal([received], (route == "rss" ? rss : embedly).Targets);
        Assert.Empty((route == "rss" ? embedly : rss).Targets);
    }

    [Theory]
    [InlineData("/embedly/..%2f..%2fsecret")]
    [InlineData("/embedly%2f..%2fsecret")]
    [InlineData("/embedly/a%2F..%2Fb")]
    [InlineData("/embedly/..%5Csecret")]
    [InlineData("/embedly/x%5c.%5csecret")]
    [InlineData("/embedly/..;/secret")]
    [InlineData("/embedly/%2e%2e;jsessionid=1/secret")]
    [InlineData("/embedly/.;/secret")]
    public async Task Get_DotSegmentBehindAnEscapedSlashOrBeforeAParameter_IsRefused(string target)
    {
        // nginx and IIS decode %2F and %5C before they resolve dot segments, Tomcat and Spring read "..;" as "..": each
        // could climb out of the route's base path at the origin. The proxy answers 400 and forwards nothing.
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        using var response = await proxy.Client.GetAsync(proxy.RawUrl(target), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(embedly.Targets);
        Assert.Empty(rss.Targets);
    }

    [Theory]
    [InlineData("/api/a.b/c", false)]
    [InlineData("/api/.../c", false)]
    [InlineData("/api/v1.2;x=1/c", false)]
    [InlineData("/api/a%2Fb", false)]
    [InlineData("/api/.hidden", false)]
    [InlineData("/api/..%2Fc", true)]
    [InlineData("/api/%2E%2E%2fc", true)]
    [InlineData("/api/..;/c", true)]
    [InlineData("/api/c%5C.", true)]
    public void HasHiddenDotSegment_TellsDotSegmentsFromNamesWithDots(string path, bool hidden) =>
        Assert.Equal(hidden, RouteTable.HasHiddenDotSegment(path));

    [Fact]
    public async Task Get_AbsoluteFormTargetNamingAnotherHost_IsNeverForwardedThere()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var other = await RecordingOrigin.StartAsync("other");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        // As a forward proxy: the absolute form names the other origin, under no route's prefix, then under one.
        var unrouted = await RawHttp.GetAsync(proxy.BaseAddress, $"{other.Authority}/secret", other.BaseAddress.Authority);
        var routed = await RawHttp.GetAsync(proxy.BaseAddress, $"{other.Authority}/embedly/x", other.BaseAddress.Authority);
        var bare = await RawHttp.GetAsync(proxy.BaseAddress, other.Authority, other.BaseAddress.Authority);

        Assert.StartsWith("HTTP/1.1 404", unrouted, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", routed, StringComparison.Ordinal);
        Assert.EndsWith("embedly /api/x", routed, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404", bare, StringComparison.Ordinal);
        Assert.Empty(other.Targets);
        Assert.Equal(["/api/x"], embedly.Targets);
    }

    [Fact]
    public async Task Get_HostHeaderNamingAnotherHost_IsIgnored_ForwardedOnlyByThePath()
    {
        await using var embedly = await RecordingOrigin.StartAsync("embedly");
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var other = await RecordingOrigin.StartAsync("other");
        await using var proxy = await RunningProxy.StartWithArgsAsync(TwoRoutes(embedly, rss));

        var unrouted = await RawHttp.GetAsync(proxy.BaseAddress, "/secret", other.BaseAddress.Authority);
        var routed = await RawHttp.GetAsync(proxy.BaseAddress, "/rss/feed", other.BaseAddress.Authority);

        Assert.StartsWith("HTTP/1.1 404", unrouted, StringComparison.Ordinal);
        Assert.EndsWith("rss /feed", routed, StringComparison.Ordinal);
        Assert.Empty(other.Targets);
        Assert.Equal(rss.BaseAddress.Authority, Assert.Single(rss.Headers)["Host"]);
    }

    [Fact]
    public async Task Get_OriginFormCatchAllRoute_DoesNotForwardTheAdminPath()
    {
        await using var origin = await RecordingOrigin.StartAsync("one");
        await using var proxy = await RunningProxy.StartAsync(origin.Authority, "--Proxy:AdminUrls", "http://127.0.0.1:0");

        using var response = await proxy.Client.GetAsync("/_httpcaching/health", Ct);
        using var escaped = await proxy.Client.GetAsync(proxy.RawUrl("/%5Fhttpcaching/health"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, escaped.StatusCode);
        Assert.Empty(origin.Targets);
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_RouteTimeout_ReplacesTheProxyTimeoutForThatRoute()
    {
        await using var silent = SilentOrigin.Start();
        await using var rss = await RecordingOrigin.StartAsync("rss");
        await using var proxy = await RunningProxy.StartWithArgsAsync([
            "--Proxy:Timeout", "01:00:00",
            "--Proxy:Routes:slow:PathPrefix", "/slow",
            "--Proxy:Routes:slow:Origin", silent.BaseAddress.ToString(),
            "--Proxy:Routes:slow:Timeout", "00:00:00.200",
            // The cache's own origin timeout must not be what answers.
            "--HttpCaching:Clients:slow:OriginTimeout", "01:00:00",
            "--Proxy:Routes:rss:PathPrefix", "/rss",
            "--Proxy:Routes:rss:Origin", rss.Authority]);

        using var response = await proxy.Client.GetAsync("/slow/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var routes = proxy.Services.GetRequiredService<RouteTable>().Routes;
        Assert.Equal(TimeSpan.FromHours(1), routes.Single(r => r.Name == "rss").Timeout);
    }
}
