using HttpCaching.Proxy.Internal;

namespace HttpCaching.Proxy.Tests.Internal;

public sealed class RouteTableTests
{
    private static readonly RouteTable CatchAll = new([new ProxyRoute("origin", "/", new Uri("http://origin.test/base/"), TimeSpan.FromSeconds(1), [], [])]);

    private static readonly RouteTable Keyed = new([new ProxyRoute("api", "/api", new Uri("https://api.test/v1/"), TimeSpan.FromSeconds(1), [], [new("key", "s")])]);

    [Theory]
    [InlineData("/_httpcaching")]
    [InlineData("/_httpcaching/health")]
    [InlineData("/_HTTPCACHING/purge")]
    [InlineData("/%5Fhttpcaching/health")]
    [InlineData("/x/../_httpcaching/health")]
    public void Resolve_AdminPath_MatchesNoRoute_EvenTheCatchAll(string target)
    {
        Assert.Equal(RouteResult.NoRoute, CatchAll.Resolve(target, out _, out _));
    }

    [Theory]
    [InlineData("/_httpcachingx", "http://origin.test/base/_httpcachingx")]
    [InlineData("/", "http://origin.test/base/")]
    [InlineData("/a?b=1", "http://origin.test/base/a?b=1")]
    public void Resolve_CatchAll_PutsTheBasePathInFront(string target, string expected)
    {
        Assert.Equal(RouteResult.Matched, CatchAll.Resolve(target, out _, out var uri));
        Assert.Equal(expected, uri!.AbsoluteUri);
    }

    [Theory]
    [InlineData("/api/x?key=forged", "https://api.test/v1/x")]
    [InlineData("/api/x?a=1&key=forged&b=2", "https://api.test/v1/x?a=1&b=2")]
    [InlineData("/api/x?k%65y=forged&a=1", "https://api.test/v1/x?a=1")]
    [InlineData("/api/x?keys=1", "https://api.test/v1/x?keys=1")]
    public void Resolve_DropsTheCallersParametersThatTheRouteSets(string target, string expected)
    {
        Assert.Equal(RouteResult.Matched, Keyed.Resolve(target, out _, out var uri));
        Assert.Equal(expected, uri!.AbsoluteUri);
    }

    [Fact]
    public void Resolve_TargetNotStartingWithASlash_IsInvalid()
    {
        Assert.Equal(RouteResult.Invalid, CatchAll.Resolve("api/x", out _, out _));
    }

    [Theory]
    [InlineData("https://api.test/v1/x", "https://api.test/v1/x?key=s%20%26t")]
    [InlineData("https://api.test/v1/x?a=1", "https://api.test/v1/x?a=1&key=s%20%26t")]
    public void WithParameters_AppendsEscaped(string uri, string expected)
    {
        Assert.Equal(expected, RouteRequestHandler.WithParameters(new Uri(uri), [new("key", "s &t")]).AbsoluteUri);
    }
}
