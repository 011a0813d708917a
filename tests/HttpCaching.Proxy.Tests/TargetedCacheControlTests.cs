using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.Proxy.Tests;

/// <summary>Targeted cache control (RFC 9213): the proxy obeys CDN-Cache-Control over Cache-Control by default.</summary>
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

    private static Task<KestrelOrigin> StartOriginAsync(Action counted) =>
        KestrelOrigin.StartAsync(app => app.MapGet("/oembed", (HttpContext context) =>
        {
            counted();
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["CDN-Cache-Control"] = "max-age=600";
            return Results.Text("{}", "application/json");
        }));
}
