using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// The exact boundaries of the request directives (RFC 9111 §5.2.1): <c>max-age</c> accepts an age equal to it,
/// <c>min-fresh</c> a remaining freshness equal to it, and <c>max-stale</c> (also <c>max-stale=0</c>) a staleness
/// equal to it; one second past each, the request goes to the origin.
/// </summary>
public sealed class RequestDirectiveBoundaryTests
{
    private const string Url = "https://api.example.test/boundary";

    [Theory]
    [InlineData("max-age=60", 60, true)]
    [InlineData("max-age=60", 61, false)]
    [InlineData("min-fresh=40", 60, true)]
    [InlineData("min-fresh=40", 61, false)]
    [InlineData("max-stale=60", 160, true)]
    [InlineData("max-stale=60", 161, false)]
    [InlineData("max-stale=0", 100, true)]
    [InlineData("max-stale=0", 101, false)]
    public async Task Get_RequestDirectiveAtItsBoundary_ServedFromTheCacheOnlyWithin(string directive, int ageSeconds, bool served)
    {
        // The stored response is fresh for 100 seconds and has no floor.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=100"));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(ageSeconds));

        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", directive));

        Assert.Equal(served, response.CacheStatus()!.StartsWith("HttpCaching; hit", StringComparison.Ordinal));
        Assert.Equal(served ? 1 : 2, harness.Origin.GetMatchCount(origin));
    }
}
