using System.Net;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class CachePolicyTests
{
    // Sun, 06 Nov 1994 08:49:37 GMT
    private static readonly DateTimeOffset Date = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    private const string OneHourLater = "Sun, 06 Nov 1994 09:49:37 GMT";
    private const string OneHourEarlier = "Sun, 06 Nov 1994 07:49:37 GMT";
    private const string SameAsDate = "Sun, 06 Nov 1994 08:49:37 GMT";
    private const string FiveDaysEarlier = "Tue, 01 Nov 1994 08:49:37 GMT";
    private const string TenDaysEarlier = "Thu, 27 Oct 1994 08:49:37 GMT";
    private const string HundredDaysEarlier = "Fri, 29 Jul 1994 08:49:37 GMT";
    private const string OneDayLater = "Mon, 07 Nov 1994 08:49:37 GMT";

    private const int Day = 86_400;

    [Theory]
    // s-maxage applies to shared caches only, and wins over max-age and Expires there.
    [InlineData("s-maxage=100, max-age=10", null, null, 200, true, Day, 100, false)]
    [InlineData("s-maxage=100, max-age=10", null, null, 200, false, Day, 10, false)]
    [InlineData("max-age=10, s-maxage=100", OneHourLater, null, 200, true, Day, 100, false)]
    [InlineData("s-maxage=100", null, null, 200, false, Day, 0, null)]
    [InlineData("s-maxage=abc, max-age=60", null, null, 200, true, Day, 0, false)]
    [InlineData("s-maxage=abc, max-age=60", null, null, 200, false, Day, 60, false)]
    [InlineData("s-maxage=0, max-age=60", null, null, 200, true, Day, 0, false)]
    // max-age wins over Expires and heuristics; invalid max-age makes the response stale.
    [InlineData("max-age=60", null, null, 200, false, Day, 60, false)]
    [InlineData("max-age=60", null, null, 500, true, Day, 60, false)]
    [InlineData("max-age=60", OneHourLater, FiveDaysEarlier, 200, true, Day, 60, false)]
    [InlineData("max-age=0", OneHourLater, FiveDaysEarlier, 200, true, Day, 0, false)]
    [InlineData("max-age=abc", OneHourLater, FiveDaysEarlier, 200, true, Day, 0, false)]
    [InlineData("max-age=-1", null, FiveDaysEarlier, 200, false, Day, 0, false)]
    [InlineData("max-age", OneHourLater, null, 200, false, Day, 0, false)]
    [InlineData("max-age=2147483648", null, null, 200, false, Day, 2147483648d, false)]
    [InlineData("max-age=99999999999999999999", null, null, 200, false, Day, 2147483648d, false)]
    // Expires minus Date.
    [InlineData(null, OneHourLater, null, 200, true, Day, 3600, false)]
    [InlineData("public", OneHourLater, FiveDaysEarlier, 200, true, Day, 3600, false)]
    [InlineData(null, OneHourLater, null, 500, false, Day, 3600, false)]
    [InlineData(null, OneDayLater, null, 200, false, 60, Day, false)]
    [InlineData(null, SameAsDate, null, 200, false, Day, 0, false)]
    [InlineData(null, OneHourEarlier, null, 200, false, Day, 0, false)]
    [InlineData(null, "0", FiveDaysEarlier, 200, false, Day, 0, false)]
    [InlineData(null, "-1", null, 200, false, Day, 0, false)]
    [InlineData(null, "", FiveDaysEarlier, 200, false, Day, 0, false)]
    [InlineData(null, "tomorrow", FiveDaysEarlier, 200, false, Day, 0, false)]
    [InlineData(null, "Sunday, 06-Nov-94 09:49:37 GMT", null, 200, false, Day, 3600, false)]
    [InlineData(null, "Sun Nov  6 09:49:37 1994", null, 200, false, Day, 3600, false)]
    // Heuristic: 10% of Date - Last-Modified, capped, for heuristically cacheable statuses or public.
    [InlineData(null, null, FiveDaysEarlier, 200, true, Day, 43_200, true)]
    [InlineData(null, null, TenDaysEarlier, 200, true, Day, Day, true)]
    [InlineData(null, null, HundredDaysEarlier, 200, true, Day, Day, true)]
    [InlineData(null, null, HundredDaysEarlier, 200, true, 30 * Day, 10 * Day, true)]
    [InlineData(null, null, FiveDaysEarlier, 200, true, 3600, 3600, true)]
    [InlineData(null, null, FiveDaysEarlier, 200, true, 0, 0, true)]
    [InlineData(null, null, FiveDaysEarlier, 404, false, Day, 43_200, true)]
    [InlineData(null, null, FiveDaysEarlier, 301, false, Day, 43_200, true)]
    [InlineData("must-revalidate", null, FiveDaysEarlier, 200, true, Day, 43_200, true)]
    [InlineData(null, null, FiveDaysEarlier, 500, true, Day, 0, null)]
    [InlineData(null, null, FiveDaysEarlier, 302, true, Day, 0, null)]
    [InlineData("public", null, FiveDaysEarlier, 500, true, Day, 43_200, true)]
    [InlineData("public", null, FiveDaysEarlier, 302, false, Day, 43_200, true)]
    [InlineData(null, null, SameAsDate, 200, true, Day, 0, null)]
    [InlineData(null, null, OneDayLater, 200, true, Day, 0, null)]
    [InlineData(null, null, "yesterday", 200, true, Day, 0, null)]
    [InlineData(null, null, null, 200, true, Day, 0, null)]
    public void FreshnessLifetime_Table_ReturnsExpectedLifetime(
        string? cacheControl,
        string? expires,
        string? lastModified,
        int status,
        bool shared,
        int maxHeuristicSeconds,
        double expectedSeconds,
        bool? expectedHeuristic)
    {
        var lifetime = CachePolicy.FreshnessLifetime(
            CacheControl.Parse(cacheControl),
            expires,
            Date,
            lastModified,
            status,
            shared,
            TimeSpan.FromSeconds(maxHeuristicSeconds),
            Date,
            out var heuristic);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), lifetime);
        if (expectedHeuristic is { } expected)
        {
            Assert.Equal(expected, heuristic);
        }
    }

    [Fact]
    public void FreshnessLifetime_HeuristicFraction_IsOneTenth()
    {
        Assert.Equal(0.1, CachePolicy.HeuristicFraction);

        var lifetime = CachePolicy.FreshnessLifetime(
            CacheControl.Empty,
            null,
            Date,
            HttpDate.Format(Date.AddSeconds(-1234)),
            200,
            shared: false,
            TimeSpan.FromDays(1),
            Date,
            out var heuristic);

        Assert.True(heuristic);
        Assert.Equal(TimeSpan.FromSeconds(123.4), lifetime);
    }

    [Theory]
    [InlineData("\"a\"", true)]
    [InlineData("\"\"", true)]
    [InlineData("\"W/a\"", true)]
    [InlineData("W/\"a\"", false)]
    [InlineData("W/\"\"", false)]
    public void IsStrong_ETag_ReturnsExpected(string etag, bool expected)
    {
        Assert.Equal(expected, CachePolicy.IsStrong(etag));
    }

    [Theory]
    [InlineData("W/\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "W/\"a\"", true)]
    [InlineData("W/\"a\"", "W/\"a\"", true)]
    [InlineData("\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "\"b\"", false)]
    [InlineData("W/\"a\"", "W/\"b\"", false)]
    [InlineData("W/\"a\"", "\"b\"", false)]
    [InlineData("\"a\"", "\"A\"", false)]
    [InlineData("\"a\"", "\"a \"", false)]
    [InlineData("\"a\"", "a", false)]
    public void WeakMatch_TwoTags_ReturnsExpected(string a, string b, bool expected)
    {
        Assert.Equal(expected, CachePolicy.WeakMatch(a, b));
        Assert.Equal(expected, CachePolicy.WeakMatch(b, a));
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("connection")]
    [InlineData("Keep-Alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("TE")]
    [InlineData("Transfer-Encoding")]
    [InlineData("TRANSFER-ENCODING")]
    [InlineData("Upgrade")]
    [InlineData("Trailer")]
    [InlineData("Proxy-Authenticate")]
    [InlineData("Proxy-Authentication-Info")]
    [InlineData("Set-Cookie")]
    [InlineData("set-cookie")]
    [InlineData("Age")]
    [InlineData("Content-Length")]
    public void IsExcludedFromStorage_ExcludedField_ReturnsTrue(string name)
    {
        Assert.True(CachePolicy.IsExcludedFromStorage(name));
        Assert.True(CachePolicy.IsExcludedFromUpdate(name));
    }

    [Theory]
    [InlineData("Set-Cookie2")]
    [InlineData("Content-Type")]
    [InlineData("ETag")]
    [InlineData("Last-Modified")]
    [InlineData("Cache-Control")]
    [InlineData("Expires")]
    [InlineData("Date")]
    [InlineData("Content-Language")]
    [InlineData("Link")]
    [InlineData("Cookie")]
    [InlineData("X-Connection")]
    [InlineData("Connections")]
    [InlineData("Age2")]
    public void IsExcludedFromStorage_KeptField_ReturnsFalse(string name)
    {
        Assert.False(CachePolicy.IsExcludedFromStorage(name));
        Assert.False(CachePolicy.IsExcludedFromUpdate(name));
    }

    [Theory]
    [InlineData("Content-Encoding")]
    [InlineData("content-range")]
    public void IsExcludedFromUpdate_StoredButNotUpdatedField_ReturnsTrue(string name)
    {
        Assert.False(CachePolicy.IsExcludedFromStorage(name));
        Assert.True(CachePolicy.IsExcludedFromUpdate(name));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(203, true)]
    [InlineData(204, true)]
    [InlineData(206, true)]
    [InlineData(300, true)]
    [InlineData(301, true)]
    [InlineData(308, true)]
    [InlineData(404, true)]
    [InlineData(405, true)]
    [InlineData(410, true)]
    [InlineData(414, true)]
    [InlineData(501, true)]
    [InlineData(201, false)]
    [InlineData(302, false)]
    [InlineData(307, false)]
    [InlineData(400, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void IsHeuristicallyCacheable_Status_ReturnsExpected(int status, bool expected)
    {
        Assert.Equal(expected, CachePolicy.IsHeuristicallyCacheable(status));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(302, true)]
    [InlineData(500, true)]
    [InlineData(504, true)]
    [InlineData(201, false)]
    [InlineData(299, false)]
    [InlineData(418, false)]
    [InlineData(505, false)]
    public void IsUnderstood_Status_ReturnsExpected(int status, bool expected)
    {
        Assert.Equal(expected, CachePolicy.IsUnderstood(status));
    }

    [Theory]
    // Status codes.
    [InlineData(200, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(203, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(204, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(301, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(404, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(410, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(501, null, null, true, nameof(NotStoredReason.None))]
    [InlineData(206, null, null, true, nameof(NotStoredReason.Status))]
    [InlineData(206, "max-age=60", null, false, nameof(NotStoredReason.Status))]
    [InlineData(304, null, null, true, nameof(NotStoredReason.Status))]
    [InlineData(304, "max-age=60", null, true, nameof(NotStoredReason.Status))]
    [InlineData(100, null, null, true, nameof(NotStoredReason.Status))]
    [InlineData(101, "public", null, true, nameof(NotStoredReason.Status))]
    [InlineData(199, "max-age=60", null, true, nameof(NotStoredReason.Status))]
    [InlineData(600, "max-age=60", null, true, nameof(NotStoredReason.Status))]
    [InlineData(500, null, null, true, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(500, null, null, false, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(500, "must-revalidate", null, true, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(302, null, null, true, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(201, null, null, true, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(599, "max-age=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(206, "max-age=60", null, true, nameof(NotStoredReason.Status))]
    [InlineData(205, "max-age=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(303, "max-age=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "max-age=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "max-age=0", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "public", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "s-maxage=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "s-maxage=60", null, false, nameof(NotStoredReason.NoFreshnessInformation))]
    [InlineData(500, "private", null, false, nameof(NotStoredReason.None))]
    [InlineData(302, "max-age=60", null, true, nameof(NotStoredReason.None))]
    // no-store, on the response or the request.
    [InlineData(200, "no-store", null, true, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "no-store", null, false, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "max-age=60, No-Store", null, true, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "public, no-store", null, true, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "max-age=60", "no-store", true, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "max-age=60", "no-store", false, nameof(NotStoredReason.NoStore))]
    [InlineData(200, "max-age=60", "no-cache, max-age=0", true, nameof(NotStoredReason.None))]
    [InlineData(200, "no-cache", null, true, nameof(NotStoredReason.None))]
    // must-understand: overrides no-store for understood statuses, refuses the others.
    [InlineData(200, "must-understand, no-store", null, true, nameof(NotStoredReason.None))]
    [InlineData(500, "must-understand, no-store, max-age=60", null, true, nameof(NotStoredReason.None))]
    [InlineData(299, "must-understand, no-store", null, true, nameof(NotStoredReason.Status))]
    [InlineData(418, "must-understand, max-age=60", null, true, nameof(NotStoredReason.Status))]
    [InlineData(200, "must-understand, no-store", "no-store", true, nameof(NotStoredReason.NoStore))]
    // private: refused by shared caches unless it names fields, fine in private mode.
    [InlineData(200, "private", null, true, nameof(NotStoredReason.Private))]
    [InlineData(200, "private, max-age=60", null, true, nameof(NotStoredReason.Private))]
    [InlineData(200, "public, private", null, true, nameof(NotStoredReason.Private))]
    [InlineData(200, "private", null, false, nameof(NotStoredReason.None))]
    [InlineData(200, "private=\"Set-Cookie\"", null, true, nameof(NotStoredReason.None))]
    [InlineData(200, "private=\"Set-Cookie, X-User\", max-age=60", null, true, nameof(NotStoredReason.None))]
    public void CheckStorable_Table_ReturnsExpectedReason(int status, string? responseCacheControl, string? requestCacheControl, bool shared, string expected)
    {
        using var request = Request(requestCacheControl);
        using var response = Response(status, responseCacheControl);

        var reason = Check(request, response, shared);

        Assert.Equal(Enum.Parse<NotStoredReason>(expected), reason);
    }

    [Theory]
    [InlineData(null, true, nameof(NotStoredReason.Authorization))]
    [InlineData("max-age=60", true, nameof(NotStoredReason.Authorization))]
    [InlineData("proxy-revalidate, max-age=60", true, nameof(NotStoredReason.Authorization))]
    [InlineData("no-cache", true, nameof(NotStoredReason.Authorization))]
    [InlineData("public", true, nameof(NotStoredReason.None))]
    [InlineData("public, max-age=60", true, nameof(NotStoredReason.None))]
    [InlineData("s-maxage=60", true, nameof(NotStoredReason.None))]
    [InlineData("must-revalidate", true, nameof(NotStoredReason.None))]
    [InlineData("must-revalidate, max-age=60", true, nameof(NotStoredReason.None))]
    [InlineData(null, false, nameof(NotStoredReason.None))]
    [InlineData("max-age=60", false, nameof(NotStoredReason.None))]
    [InlineData("private", false, nameof(NotStoredReason.None))]
    public void CheckStorable_RequestWithAuthorization_ReturnsExpectedReason(string? responseCacheControl, bool shared, string expected)
    {
        using var request = Request(null);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer s3cr3t");
        using var response = Response(200, responseCacheControl);

        Assert.Equal(Enum.Parse<NotStoredReason>(expected), Check(request, response, shared));
    }

    [Theory]
    [InlineData("Accept", true, "None")]
    [InlineData("Accept-Encoding", false, "None")]
    [InlineData("*", true, "Vary")]
    [InlineData("Accept, *", false, "Vary")]
    [InlineData("Accept, Accept-Language", false, "None")]
    public void CheckStorable_ResponseWithVary_OnlyStarIsNotStorable(string vary, bool shared, string expected)
    {
        using var request = Request(null);
        using var response = Response(200, "public, max-age=60");
        response.Headers.TryAddWithoutValidation("Vary", vary);

        Assert.Equal(Enum.Parse<NotStoredReason>(expected), Check(request, response, shared));
    }

    [Theory]
    [InlineData(OneHourLater)]
    [InlineData("0")]
    [InlineData(OneHourEarlier)]
    public void CheckStorable_StatusWithoutHeuristicsButExpires_IsStorable(string expires)
    {
        using var request = Request(null);
        using var response = Response(500, null);
        response.Content.Headers.TryAddWithoutValidation("Expires", expires);

        Assert.Equal(NotStoredReason.None, Check(request, response, shared: true));
    }

    [Fact]
    public void CheckStorable_NoStoreAndAuthorization_NoStoreIsReportedFirst()
    {
        using var request = Request(null);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer x");
        using var response = Response(200, "no-store");
        response.Headers.TryAddWithoutValidation("Vary", "Accept");

        Assert.Equal(NotStoredReason.NoStore, Check(request, response, shared: true));
    }

    private static HttpRequestMessage Request(string? cacheControl)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "https://a.test/x");
        if (cacheControl is not null)
        {
            request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        return request;
    }

    private static HttpResponseMessage Response(int status, string? cacheControl)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new ByteArrayContent([1, 2, 3]) };
        response.Headers.Date = Date;
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        return response;
    }

    private static NotStoredReason Check(HttpRequestMessage request, HttpResponseMessage response, bool shared) =>
        CachePolicy.CheckStorable(
            response,
            CacheControl.Parse(response.Headers),
            CacheControl.Parse(request.Headers),
            request.Headers.Contains("Authorization"),
            shared);
}
