using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// Targeted cache control: the proxy obeys CDN-Cache-Control (RFC 9213), then Surrogate-Control (Edge Architecture),
/// over Cache-Control by default, and announces itself to the origin in Surrogate-Capability.
/// </summary>
public sealed class TargetedCacheControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_CdnCacheControlOverCacheControlNoStore_StoredByDefaultAndPassedOn()
    {
        var calls = 0;
        await using var origin = await StartOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync("/oembed", Ct);
        using var second = await proxy.Client.GetAsync("/oembed", Ct);

        Assert.Equal(1, calls);
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("max-age=600", first.Header("CDN-Cache-Control"));
        Assert.Equal("max-age=600", second.Header("CDN-Cache-Control"));
        Assert.Equal("no-store", second.Header("Cache-Control"));
    }

    [Fact]
    public async Task Get_RemoveTargetedFields_NotSentDownstreamOnAMissOrAHit()
    {
        var calls = 0;
        await using var origin = await StartOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin, "--Proxy:RemoveTargetedFields", "true");

        using var first = await proxy.Client.GetAsync("/oembed", Ct);
        using var second = await proxy.Client.GetAsync("/oembed", Ct);

        Assert.Equal(1, calls);
        Assert.Empty(first.Lines("CDN-Cache-Control"));
        Assert.Empty(second.Lines("CDN-Cache-Control"));
        Assert.Equal("no-store", second.Header("Cache-Control"));
    }

    [Fact]
    public async Task Get_OwnTargetListConfigured_ReplacesTheDefault()
    {
        var calls = 0;
        await using var origin = await StartOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Defaults:TargetedCacheControlFields:0", "HttpCaching-Cache-Control");

        await proxy.Client.GetAsync("/oembed", Ct);
        using var second = await proxy.Client.GetAsync("/oembed", Ct);

        // CDN-Cache-Control is no longer on the list: Cache-Control's no-store rules.
        Assert.Equal(2, calls);
        Assert.DoesNotContain("hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_TargetListSetEmpty_CacheControlRulesAlone()
    {
        var calls = 0;
        await using var origin = await StartOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Defaults:TargetedCacheControlFields", string.Empty);

        await proxy.Client.GetAsync("/oembed", Ct);
        await proxy.Client.GetAsync("/oembed", Ct);

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Get_SurrogateControlTargetedAtTheProxy_RulesByDefault_TheOriginSeesItsCapability()
    {
        var calls = 0;
        await using var origin = await StartSurrogateOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync("/surrogate", Ct);
        using var second = await proxy.Client.GetAsync("/surrogate", Ct);

        Assert.Equal(1, calls);
        Assert.Equal("httpcaching=\"Surrogate/1.0\"", await first.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("max-age=600;httpcaching", second.Header("Surrogate-Control"));
    }

    [Fact]
    public async Task Get_CallersSurrogateCapability_WithheldByDefault_OnlyTheProxysReachesTheOrigin()
    {
        await using var origin = await StartSurrogateOriginAsync(() => { });
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/surrogate");
        request.Headers.TryAddWithoutValidation("Surrogate-Capability", "evil=\"Surrogate/1.0 ESI/1.0\"");
        using var response = await proxy.Client.SendAsync(request, Ct);

        Assert.Equal("httpcaching=\"Surrogate/1.0\"", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Get_CallersSurrogateCapabilityForwarded_TheProxysAppended_AndEachValueKeyed()
    {
        var calls = 0;
        await using var origin = await StartSurrogateOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin, "--Proxy:ForwardedRequestHeaders:0", "Surrogate-Capability");

        var down = await SendAsync(proxy, "down=\"Surrogate/1.0\"");
        var downAgain = await SendAsync(proxy, "down=\"Surrogate/1.0\"");
        var other = await SendAsync(proxy, "other=\"Surrogate/1.0\"");

        Assert.Equal("down=\"Surrogate/1.0\", httpcaching=\"Surrogate/1.0\"", down);
        Assert.Equal(down, downAgain);
        Assert.Equal("other=\"Surrogate/1.0\", httpcaching=\"Surrogate/1.0\"", other);
        Assert.Equal(2, calls);

        static async Task<string> SendAsync(RunningProxy proxy, string capability)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/surrogate");
            request.Headers.TryAddWithoutValidation("Surrogate-Capability", capability);
            using var response = await proxy.Client.SendAsync(request, Ct);
            return await response.Content.ReadAsStringAsync(Ct);
        }
    }

    [Fact]
    public async Task Get_TargetListWithoutSurrogateControl_NoCapabilitySent_CacheControlRules()
    {
        var calls = 0;
        await using var origin = await StartSurrogateOriginAsync(() => Interlocked.Increment(ref calls));
        await using var proxy = await RunningProxy.StartAsync(origin, "--HttpCaching:Defaults:TargetedCacheControlFields:0", "CDN-Cache-Control");

        using var first = await proxy.Client.GetAsync("/surrogate", Ct);
        await proxy.Client.GetAsync("/surrogate", Ct);

        Assert.Equal("(none)", await first.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Get_RemoveTargetedFields_SurrogateControlNotSentDownstream()
    {
        await using var origin = await StartSurrogateOriginAsync(() => { });
        await using var proxy = await RunningProxy.StartAsync(origin, "--Proxy:RemoveTargetedFields", "true");

        using var first = await proxy.Client.GetAsync("/surrogate", Ct);
        using var second = await proxy.Client.GetAsync("/surrogate", Ct);

        Assert.Empty(first.Lines("Surrogate-Control"));
        Assert.Empty(second.Lines("Surrogate-Control"));
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SurrogateControlLifetimeOnAPrivatePage_NeverServedToAnotherCaller()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/page", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "private, max-age=0";
            context.Response.Headers["Surrogate-Control"] = "max-age=300";
            return Results.Text("page of " + context.Request.Headers.Cookie, "text/plain");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var alice = new HttpRequestMessage(HttpMethod.Get, "/page");
        alice.Headers.TryAddWithoutValidation("Cookie", "session=alice");
        using (await proxy.Client.SendAsync(alice, Ct))
        {
        }

        using var bob = new HttpRequestMessage(HttpMethod.Get, "/page");
        bob.Headers.TryAddWithoutValidation("Cookie", "session=bob");
        using var response = await proxy.Client.SendAsync(bob, Ct);

        Assert.Equal("page of session=bob", await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// An origin that targets a long lifetime at the surrogates that announce themselves (Cache-Control forbids storing
    /// for everyone else) and answers with the Surrogate-Capability it received.
    /// </summary>
    private static Task<KestrelOrigin> StartSurrogateOriginAsync(Action counted) =>
        KestrelOrigin.StartAsync(app => app.MapGet("/surrogate", (HttpContext context) =>
        {
            counted();
            var capability = context.Request.Headers["Surrogate-Capability"].ToString();
            context.Response.Headers.CacheControl = "no-store";
            if (capability.Contains("httpcaching=", StringComparison.Ordinal))
            {
                context.Response.Headers["Surrogate-Control"] = "max-age=600;httpcaching";
            }

            return Results.Text(capability.Length == 0 ? "(none)" : capability, "text/plain");
        }));

    private static Task<KestrelOrigin> StartOriginAsync(Action counted) =>
        KestrelOrigin.StartAsync(app => app.MapGet("/oembed", (HttpContext context) =>
        {
            counted();
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["CDN-Cache-Control"] = "max-age=600";
            return Results.Text("{}", "application/json");
        }));
}
