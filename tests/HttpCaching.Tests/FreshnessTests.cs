using System.Net;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>RFC 9111 §4.2: freshness lifetime and age arithmetic, with the floor at zero unless a test says otherwise.</summary>
public sealed class FreshnessTests
{
    private const string Url = "https://feeds.example.test/rss.xml";

    private static CachingHarness PureRfc() => new(o => o.MinimumFreshness = TimeSpan.Zero);

    [Fact]
    public async Task Get_ExpiresMinusDate_IsTheLifetime()
    {
        using var harness = PureRfc();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(2);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(119));
        using var hit = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        using var stale = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=60", hit.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=stale", stale.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_ExpiresWithClockSkewedDate_UsesDateNotLocalClock()
    {
        using var harness = PureRfc();
        harness.Origin.When(Url).Respond(_ =>
        {
            // The origin's clock is an hour ahead: Expires - Date is still 10 minutes.
            var response = harness.Response("<rss/>");
            response.Headers.Date = harness.Time.GetUtcNow().AddHours(1);
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(1).AddMinutes(10);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=60", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_InvalidExpires_IsStale()
    {
        using var harness = PureRfc();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.TryAddWithoutValidation("Expires", "0");
            return response;
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_AgeFromUpstream_ReducesRemainingFreshness()
    {
        using var harness = PureRfc();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>", "max-age=600");
            response.Headers.Age = TimeSpan.FromSeconds(500);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(40));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=60", hit.CacheStatus());
        Assert.Equal("540", hit.Header("Age"));
    }

    [Fact]
    public async Task Get_DateInThePast_ApparentAgeCounts()
    {
        using var harness = PureRfc();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>", "max-age=600");
            response.Headers.Date = harness.Time.GetUtcNow().AddSeconds(-300);
            return response;
        });

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=300", hit.CacheStatus());
        Assert.Equal("300", hit.Header("Age"));
    }

    [Fact]
    public async Task Get_NoDate_ReceiptTimeIsTheDate()
    {
        using var harness = PureRfc();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>", "max-age=600");
            response.Headers.Date = null;
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(100));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=500", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_LastModifiedOnly_HeuristicIsTenPercentOfAge()
    {
        using var harness = PureRfc();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.LastModified = harness.Time.GetUtcNow().AddHours(-10);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(59));
        using var hit = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        using var stale = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=60", hit.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=stale", stale.CacheStatus());
    }

    [Fact]
    public async Task Get_VeryOldLastModified_HeuristicIsCapped()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.MaxHeuristicFreshness = TimeSpan.FromHours(2);
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.LastModified = harness.Time.GetUtcNow().AddDays(-365);
            return response;
        });

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=7200", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_ErrorStatusWithoutFreshnessInformation_NotStored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("oops", status: HttpStatusCode.InternalServerError));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=500; detail=no-freshness-information", second.CacheStatus());
    }

    [Fact]
    public async Task Get_NotFoundWithoutHeaders_HeuristicallyCacheableUnderFloor()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("missing", status: HttpStatusCode.NotFound));

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.NotFound, hit.StatusCode);
        Assert.Equal("HttpCaching; hit; ttl=1800; detail=minimum-freshness", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_InvalidMaxAge_StaleButFloorApplies()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss/>", "max-age=soon"));

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("HttpCaching; hit; ttl=1800; detail=minimum-freshness", hit.CacheStatus());
    }
}
