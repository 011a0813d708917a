using System.Net;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>RFC 5861 stale-if-error, Retry-After, and refusing bad responses (last known good).</summary>
public sealed class OutageTests
{
    private const string Url = "https://feeds.example.test/news.rss";

    /// <summary>A cached feed (max-age=60, no floor) that is now two minutes stale, and an origin that now fails.</summary>
    private static async Task<(CachingHarness Harness, Counter Origin)> StaleFeedAsync(
        Func<CachingHarness, HttpResponseMessage> failure,
        string cacheControl = "max-age=60",
        Action<ThirdPartyCachingOptions>? configure = null)
    {
        var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        var counter = new Counter();
        harness.Origin.When(Url).Respond(_ =>
        {
            counter.Calls++;
            return counter.Calls == 1 ? harness.Response("<rss>good</rss>", cacheControl, "\"v1\"") : failure(harness);
        });

        using var first = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(3));
        return (harness, counter);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task StaleIfError_OriginErrorStatus_ServesStoredResponse(HttpStatusCode status)
    {
        var (harness, _) = await StaleFeedAsync(h => h.Response("down", status: status));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("<rss>good</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal($"HttpCaching; fwd=stale; fwd-status={(int)status}; detail=origin-error", response.CacheStatus());
            Assert.Equal("180", response.Header("Age"));
        }
    }

    [Fact]
    public async Task StaleIfError_OriginUnreachable_ServesStoredResponse()
    {
        var (harness, _) = await StaleFeedAsync(_ => throw new HttpRequestException("Connection refused"));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal("<rss>good</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; fwd=stale; detail=origin-unreachable", response.CacheStatus());
        }
    }

    [Fact]
    public async Task StaleIfError_NotAnOriginError_PassesTheResponseThrough()
    {
        var (harness, _) = await StaleFeedAsync(h => h.Response("gone", status: HttpStatusCode.NotFound));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task StaleIfError_BeyondTheWindow_PassesTheErrorThrough()
    {
        var (harness, _) = await StaleFeedAsync(h => h.Response("down", status: HttpStatusCode.ServiceUnavailable), configure: o => o.StaleIfError = TimeSpan.FromMinutes(1));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("down", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task StaleIfError_BeyondTheWindowAndUnreachable_Throws()
    {
        var (harness, _) = await StaleFeedAsync(_ => throw new HttpRequestException("Connection refused"), configure: o => o.StaleIfError = TimeSpan.FromMinutes(1));
        using (harness)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => harness.GetAsync(Url));
        }
    }

    [Theory]
    [InlineData("max-age=60, stale-if-error=600", 1, true)]
    [InlineData("max-age=60, stale-if-error=30", 1440, false)]
    [InlineData("max-age=60, must-revalidate", 1440, false)]
    [InlineData("max-age=60, proxy-revalidate", 1440, false)]
    [InlineData("max-age=60, no-cache", 1440, false)]
    public async Task StaleIfError_ResponseDirectives_WidenNarrowOrForbid(string cacheControl, int optionMinutes, bool servedStale)
    {
        var (harness, _) = await StaleFeedAsync(
            h => h.Response("down", status: HttpStatusCode.ServiceUnavailable),
            cacheControl,
            o => o.StaleIfError = TimeSpan.FromMinutes(optionMinutes));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal(servedStale ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
    }

    [Fact]
    public async Task StaleIfError_NothingStored_PassesTheErrorThrough()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("down", status: HttpStatusCode.ServiceUnavailable));

        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("down", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StaleIfError_ErrorIsNotStored_OriginAskedAgainNextTime()
    {
        var (harness, origin) = await StaleFeedAsync(h => h.Response("down", "max-age=600", status: HttpStatusCode.InternalServerError), configure: o => o.OriginBackoff = TimeSpan.Zero);
        using (harness)
        {
            await harness.GetAsync(Url);
            using var second = await harness.GetAsync(Url);

            Assert.Equal(3, origin.Calls);
            Assert.Equal("<rss>good</rss>", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RetryAfter_OriginNotCalledAgainUntilTheWindowPasses(bool asDate)
    {
        var (harness, origin) = await StaleFeedAsync(h =>
        {
            var response = h.Response("slow down", status: HttpStatusCode.TooManyRequests);
            if (asDate)
            {
                response.Headers.TryAddWithoutValidation("Retry-After", h.Time.GetUtcNow().AddSeconds(120).ToString("r"));
            }
            else
            {
                response.Headers.TryAddWithoutValidation("Retry-After", "120");
            }

            return response;
        });
        using (harness)
        {
            using var limited = await harness.GetAsync(Url);
            harness.Time.Advance(TimeSpan.FromSeconds(60));
            using var heldOff = await harness.GetAsync(Url);

            Assert.Equal(2, origin.Calls);
            Assert.Equal("<rss>good</rss>", await heldOff.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; hit; ttl=-180; detail=retry-after", heldOff.CacheStatus());

            harness.Time.Advance(TimeSpan.FromSeconds(61));
            using var afterWindow = await harness.GetAsync(Url);
            Assert.Equal(3, origin.Calls);
        }
    }

    [Theory]
    [InlineData("error")]
    [InlineData("unreachable")]
    [InlineData("rejected")]
    public async Task OriginBackoff_AfterAFailure_OriginLeftAloneForTheInterval(string failure)
    {
        var (harness, origin) = await StaleFeedAsync(
            h => failure switch
            {
                "error" => h.Response("down", status: HttpStatusCode.BadGateway),
                "unreachable" => throw new HttpRequestException("Connection refused"),
                _ => h.Response("<html>maintenance</html>", "max-age=60"),
            },
            configure: o =>
            {
                o.OriginBackoff = TimeSpan.FromSeconds(30);
                o.ValidateResponse = (context, _) => ValueTask.FromResult(context.Body.Span.StartsWith("<rss"u8));
            });
        using (harness)
        {
            await harness.GetAsync(Url);
            harness.Time.Advance(TimeSpan.FromSeconds(29));
            using var heldOff = await harness.GetAsync(Url);
            Assert.Equal(2, origin.Calls);
            Assert.Equal("<rss>good</rss>", await heldOff.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.EndsWith("detail=retry-after", heldOff.CacheStatus(), StringComparison.Ordinal);

            harness.Time.Advance(TimeSpan.FromSeconds(2));
            using var tried = await harness.GetAsync(Url);
            Assert.Equal(3, origin.Calls);
            Assert.Equal("<rss>good</rss>", await tried.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task ValidateResponse_UnstorableBadBodyWithStoredVersion_RefusedAndStoredServed()
    {
        var (harness, _) = await StaleFeedAsync(
            h => h.Response("<html>maintenance</html>", "no-store", mediaType: "text/html"),
            configure: o => o.ValidateResponse = (context, _) => ValueTask.FromResult(context.Body.Span.StartsWith("<rss"u8)));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal("<rss>good</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; fwd=stale; fwd-status=200; detail=rejected", response.CacheStatus());
        }
    }

    [Fact]
    public async Task ValidateResponse_UnstorableGoodBody_PassedThrough()
    {
        var (harness, _) = await StaleFeedAsync(
            h => h.Response("<rss>private</rss>", "no-store"),
            configure: o => o.ValidateResponse = (context, _) => ValueTask.FromResult(context.Body.Span.StartsWith("<rss"u8)));
        using (harness)
        {
            using var response = await harness.GetAsync(Url);

            Assert.Equal("<rss>private</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Contains("detail=no-store", response.CacheStatus(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ValidateResponse_RefusesBadBody_PreviousVersionKeepsBeingServed()
    {
        var html = false;
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.ValidateResponse = (context, _) => ValueTask.FromResult(context.Body.Span.StartsWith("<rss"u8));
        });
        harness.Origin.When(Url).Respond(_ => html
            ? harness.Response("<html>Maintenance</html>", "max-age=60", "\"v2\"", mediaType: "text/html")
            : harness.Response("<rss>good</rss>", "max-age=60", "\"v1\""));

        await harness.GetAsync(Url);
        html = true;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var response = await harness.GetAsync(Url);

        Assert.Equal("<rss>good</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=200; detail=rejected", response.CacheStatus());
        Assert.Single(harness.Store.Keys, k => k.Contains(":b:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateResponse_RefusedWithNothingStored_PassedThroughNotStored()
    {
        using var harness = new CachingHarness(o => o.ValidateResponse = (_, _) => ValueTask.FromResult(false));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("<html/>", "max-age=60"));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal("<html/>", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Empty(harness.Store.Keys);
    }

    [Fact]
    public async Task ValidateResponse_Throws_CountsAsRefused()
    {
        using var harness = new CachingHarness(o => o.ValidateResponse = (_, _) => throw new FormatException("bad JSON"));
        harness.Origin.When(Url).Respond(_ => harness.Response("{", "max-age=60"));

        using var response = await harness.GetAsync(Url);

        Assert.Equal("{", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Empty(harness.Store.Keys);
    }

    [Fact]
    public async Task ValidateResponse_SeesStatusHeadersAndBody()
    {
        ResponseValidationContext? seen = null;
        byte[]? body = null;
        using var harness = new CachingHarness(o => o.ValidateResponse = (context, _) =>
        {
            seen = context;
            body = context.Body.ToArray();
            return ValueTask.FromResult(true);
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("{\"type\":\"link\"}", "max-age=60", "\"e\""));

        await harness.GetAsync(Url);

        Assert.NotNull(seen);
        Assert.Equal(CachingHarness.ClientName, seen.ClientName);
        Assert.Equal(new Uri(Url), seen.RequestUri);
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Equal("\"e\"", seen.Headers.ETag?.ToString());
        Assert.Equal("application/json", seen.ContentHeaders.ContentType?.MediaType);
        Assert.Equal("{\"type\":\"link\"}"u8.ToArray(), body);
    }

    private sealed class Counter
    {
        public int Calls { get; set; }
    }
}
