using System.Globalization;
using System.Net;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.Proxy.Tests;

/// <summary>The caching handler behind the proxy, configured through the command line as in a conformance run.</summary>
public sealed class CachingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_SecondRequestIsServedFromTheCache_WithCacheStatusAndAge()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/feed", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.ETag = "\"feed-1\"";
            return Results.Text("<rss/>", "application/rss+xml");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync("/feed?key=abc", Ct);
        using var second = await proxy.Client.GetAsync("/feed?key=abc", Ct);

        Assert.Equal(1, calls);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", first.CacheStatus());
        Assert.StartsWith("HttpCaching; hit; ttl=", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Empty(first.Lines("Age"));
        Assert.True(long.TryParse(second.Header("Age"), NumberStyles.None, CultureInfo.InvariantCulture, out _), second.Header("Age"));
        Assert.Equal(first.Header("Date"), second.Header("Date"));
        Assert.Equal("\"feed-1\"", second.Header("ETag"));
        Assert.Equal("application/rss+xml", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal("6", second.Header("Content-Length"));
        Assert.Equal("<rss/>", await second.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Get_ResponseToRequestWithCookie_NotSharedUnderTheFloor()
    {
        // A 200 without cache headers, to a request with a Cookie, may be personal: the floor must not share it.
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/account", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            return Results.Text($"page for {context.Request.Cookies["session"] ?? "nobody"}");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var alice = new HttpRequestMessage(HttpMethod.Get, "/account");
        alice.Headers.Add("Cookie", "session=alice");
        using var aliceResponse = await proxy.Client.SendAsync(alice, Ct);
        using var other = await proxy.Client.GetAsync("/account", Ct);

        Assert.Equal("page for alice", await aliceResponse.Content.ReadAsStringAsync(Ct));
        Assert.Equal("page for nobody", await other.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain("hit", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task FloorSetToZero_MaxAgeZeroGoesToTheOriginEveryTime()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/now", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "max-age=0";
            return Results.Text($"call {Interlocked.Increment(ref calls)}");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Defaults:MinimumFreshness", "00:00:00");

        for (var i = 1; i <= 3; i++)
        {
            using var response = await proxy.Client.GetAsync("/now", Ct);
            Assert.Equal($"call {i}", await response.Content.ReadAsStringAsync(Ct));
            Assert.DoesNotContain("hit", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task DefaultFloor_MaxAgeZeroIsServedFromTheCache()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/now", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "max-age=0";
            return Results.Text($"call {Interlocked.Increment(ref calls)}");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync("/now", Ct);
        using var second = await proxy.Client.GetAsync("/now", Ct);

        Assert.Equal(1, calls);
        Assert.Equal("call 1", await second.Content.ReadAsStringAsync(Ct));
        Assert.EndsWith("detail=minimum-freshness", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", 2)]
    [InlineData("false", 1)]
    public async Task SharedSetting_DecidesWhetherPrivateResponsesAreStored(string shared, int expectedCalls)
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/me", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.Headers.CacheControl = "private, max-age=600";
            return Results.Text("my profile");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Defaults:Shared", shared);

        using var first = await proxy.Client.GetAsync("/me", Ct);
        using var second = await proxy.Client.GetAsync("/me", Ct);

        Assert.Equal(expectedCalls, calls);
        Assert.Equal("my profile", await second.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ClientSection_NamedOrigin_ConfiguresTheProxysClient()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/feed", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.Headers.CacheControl = "max-age=600";
            return Results.Text("feed");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Clients:origin:Enabled", "false");

        using var first = await proxy.Client.GetAsync("/feed", Ct);
        using var second = await proxy.Client.GetAsync("/feed", Ct);

        Assert.Equal(2, calls);
        Assert.Empty(second.Lines("Cache-Status"));
    }

    [Fact]
    public async Task OriginsOwnCacheStatus_IsKeptAndTheProxysMemberFollows()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/cdn", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers["Cache-Status"] = "UpstreamCdn; hit";
            return Results.Text("from the cdn");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync("/cdn", Ct);

        Assert.Equal(["UpstreamCdn; hit", "HttpCaching; fwd=uri-miss; fwd-status=200; stored"], response.Lines("Cache-Status"));
    }

    [Fact]
    public async Task RawTargetsThatAreEquivalentUris_ShareOneCacheEntry()
    {
        var targets = new List<string>();
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            lock (targets)
            {
                targets.Add(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget);
            }

            context.Response.Headers.CacheControl = "max-age=600";
            return context.Response.WriteAsync("A", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync(proxy.RawUrl("/x/%41"), Ct);
        using var second = await proxy.Client.GetAsync(proxy.RawUrl("/x/A"), Ct);

        Assert.Equal(["/x/A"], targets);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
    }
}
