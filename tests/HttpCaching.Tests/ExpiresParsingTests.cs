using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// RFC 9111 §5.3 through the handler, with the floor at zero: an <c>Expires</c> that is not exactly an HTTP-date
/// (RFC 9110 §5.6.7), or several <c>Expires</c> lines, mean the response is already stale; the obsolete forms are read.
/// </summary>
public sealed class ExpiresParsingTests
{
    private const string Url = "https://feeds.example.test/rss.xml";

    [Theory]
    [InlineData("Thu, 18 Aug 2050 02:01:18 UTC")] // another zone name
    [InlineData("Thu, 18 Aug 2050 04:01:18 +02:00")] // numeric zone
    [InlineData("Thu, 18 Aug 2050 02:01:18")] // no zone
    [InlineData("Thu 18 Aug 2050 02:01:18 GMT")] // missing comma
    [InlineData("18 Aug 2050 02:01:18 GMT")] // no day name
    [InlineData("Thu, 18  Aug  2050 02:01:18 GMT")] // double spaces
    [InlineData("Thu, 18-Aug-2050 02:01:18 GMT")] // dashes in an IMF-fixdate
    [InlineData("Thursday, 18-Aug-2050 02:01:18 GMT")] // RFC 850 with a four-digit year
    [InlineData("Thu, 18 Aug 2050 2:01:18 GMT")] // one-digit hour
    [InlineData("Thu Aug 8 02:01:18 2050")] // asctime without the padding space
    public async Task Get_MalformedExpiresWithoutMaxAge_IsStale(string expires)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.TryAddWithoutValidation("Expires", expires);
            return response;
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; fwd=stale", second.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TwoExpiresLines_IsStale()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.TryAddWithoutValidation("Expires", "Thu, 18 Aug 2050 02:01:18 GMT");
            response.Content.Headers.TryAddWithoutValidation("Expires", "Fri, 19 Aug 2050 02:01:18 GMT");
            return response;
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; fwd=stale", second.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("Thursday, 18-Aug-50 02:01:18 GMT")] // obsolete RFC 850 form: 2050, not 1950
    [InlineData("THURSDAY, 18-AUG-50 02:01:18 gmt")]
    [InlineData("Thu, 18 Aug 2050 02:01:18 gMT")] // RFC 9111 §4.2: caches match case-insensitively
    public async Task Get_ValidExpiresInTheFuture_IsFresh(string expires)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.TryAddWithoutValidation("Expires", expires);
            return response;
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    // In 2080, "99" is 2099: 19 years ahead, not 1999.
    [InlineData("2080-01-01T00:00:00Z", "Thursday, 01-Jan-99 00:00:00 GMT", true)]
    // In 1980, "40" would be 2040, more than 50 years ahead: it is 1940.
    [InlineData("1980-01-01T00:00:00Z", "Monday, 01-Jan-40 00:00:00 GMT", false)]
    public async Task Get_Rfc850TwoDigitYear_IsPlacedRelativeToTheClock(string clock, string expires, bool fresh)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, clockStart: DateTimeOffset.Parse(clock, System.Globalization.CultureInfo.InvariantCulture));
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss/>");
            response.Content.Headers.TryAddWithoutValidation("Expires", expires);
            return response;
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(fresh ? 1 : 2, harness.Origin.GetMatchCount(origin));
    }
}
