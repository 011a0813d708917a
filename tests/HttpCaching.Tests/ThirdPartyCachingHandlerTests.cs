using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

public sealed class ThirdPartyCachingHandlerTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fexample.test%2Fa&key=secret";

    [Fact]
    public async Task Get_FreshResponse_SecondRequestIsServedFromCache()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("""{"title":"a"}""", "max-age=3600"));

        using var first = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using var second = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", first.CacheStatus());
        Assert.Equal("HttpCaching; hit; ttl=3510", second.CacheStatus());
        Assert.Equal("90", second.Header("Age"));
        Assert.Equal("""{"title":"a"}""", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_MaxAgeBelowFloor_FloorKeepsItFreshWithDetail()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=60"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; hit; ttl=1200; detail=minimum-freshness", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_WithinOwnLifetime_NoFloorDetail()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=60"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=1770", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_PastFloor_GoesToOrigin()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=60"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(30));
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; fwd=stale", second.CacheStatus());
    }

    [Fact]
    public async Task Get_MaxAgeAboveFloor_MaxAgeWins()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=7200"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(100));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; hit; ttl=1200", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_ZeroFloor_PureRfcLifetime()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=60"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(59));
        using var hit = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        using var stale = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=1", hit.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=stale", stale.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_NoStore_NeverStored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "no-store, max-age=600"));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal(0, harness.Store.SetCount());
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=no-store", second.CacheStatus());
    }

    [Fact]
    public async Task Get_NotGet_PassesThroughWithMethodStatus()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(HttpMethod.Post, Url).Respond(_ => harness.Response("a", "max-age=600"));

        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent("x") };
        using var response = await harness.Client().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("HttpCaching; fwd=method; fwd-status=200", response.CacheStatus());
        Assert.Equal(0, harness.Store.SetCount());
    }

    [Fact]
    public async Task Get_Disabled_PassesThroughUntouched()
    {
        using var harness = new CachingHarness(o => o.Enabled = false);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=600"));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Empty(harness.Store.Operations);
        Assert.False(second.Headers.Contains("Cache-Status"));
        Assert.False(second.Headers.Contains("Age"));
    }
}
