using System.Net;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// The target the origin receives is exactly the one the cache keys on, whatever encoding trick the client uses, so a
/// response is only ever stored for the target it was produced for.
/// </summary>
public sealed class RequestTargetTests
{
    private const string GoodPage = "/index.html: good page";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/attacker/../index.html", "/index.html")]
    [InlineData("/attacker/%2e%2e/index.html", "/index.html")]
    [InlineData("/attacker/%2E%2E/index.html", "/index.html")]
    [InlineData("/attacker/.%2e/index.html", "/index.html")]
    [InlineData("/static\\..\\index.html", "/index.html")]
    [InlineData("/static/./../index.html", "/index.html")]
    [InlineData("/static\\./..\\.\\index.html", "/index.html")]
    public async Task NoCacheGet_WithTraversalTrick_OriginGetsTheKeyedTargetAndTheGoodPageSurvives(string trick, string keyed)
    {
        var targets = new List<string>();
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            // Answers per raw target: the good page for exactly /index.html, a cacheable 404 for anything else.
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            lock (targets)
            {
                targets.Add(target);
            }

            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.StatusCode = target == "/index.html" ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            return context.Response.WriteAsync(Page(target), context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        // The client really sends the trick as written: asked directly, the origin sees it verbatim.
        using (var direct = await proxy.Client.GetAsync(RawUrl(origin.BaseAddress, trick), Ct))
        {
            Assert.Equal(Page(trick), await direct.Content.ReadAsStringAsync(Ct));
        }

        using var primed = await proxy.Client.GetAsync("/index.html", Ct);
        Assert.Equal(GoodPage, await primed.Content.ReadAsStringAsync(Ct));

        using var attack = new HttpRequestMessage(HttpMethod.Get, proxy.RawUrl(trick));
        attack.Headers.CacheControl = new() { NoCache = true };
        using var attacked = await proxy.Client.SendAsync(attack, Ct);
        using var later = await proxy.Client.GetAsync("/index.html", Ct);
        using var again = await proxy.Client.GetAsync(proxy.RawUrl(trick), Ct);

        Assert.Equal(GoodPage, await later.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.StartsWith("HttpCaching; hit", later.CacheStatus(), StringComparison.Ordinal);

        // The origin was asked for the keyed target, and what the cache serves for that key is what it produced for it.
        lock (targets)
        {
            Assert.Equal([trick, "/index.html", keyed], targets);
        }

        Assert.Equal(Page(keyed), await attacked.Content.ReadAsStringAsync(Ct));
        Assert.Equal(Page(keyed), await again.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", again.CacheStatus(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/x/../../secret")]
    [InlineData("/%2e%2e/secret")]
    [InlineData("/..\\..\\secret")]
    public async Task Get_DotSegmentsAboveTheRoot_StayInsideTheOriginsBasePath(string trick)
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
            context.Response.WriteAsync(context.Features.Get<IHttpRequestFeature>()!.RawTarget, context.RequestAborted)));
        await using var proxy = await RunningProxy.StartAsync(origin.BaseAddress.GetLeftPart(UriPartial.Authority) + "/api/");

        var body = await proxy.Client.GetStringAsync(proxy.RawUrl(trick), Ct);

        Assert.Equal("/api/secret", body);
    }

    private static string Page(string target) =>
        target == "/index.html" ? GoodPage : $"{target}: not found";

    private static Uri RawUrl(Uri server, string pathAndQuery) =>
        new(server.GetLeftPart(UriPartial.Authority) + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
