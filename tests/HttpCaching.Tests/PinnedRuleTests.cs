using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Boundaries of protocol rules that no other test pins: each test here fails when its rule's comparison or constant
/// in <c>src/HttpCaching</c> is changed (an off-by-one, a dropped term or check), which the other tests would not notice.
/// </summary>
public sealed class PinnedRuleTests
{
    private const string Url = "https://api.example.test/doc";
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Theory]
    [InlineData(199, false)]
    [InlineData(200, true)]
    [InlineData(299, true)]
    [InlineData(303, true)]
    [InlineData(399, true)]
    [InlineData(400, false)]
    [InlineData(499, false)]
    public async Task Invalidate_PostAnsweredWithStatus_InvalidatesOnlyForNonErrorStatus(int status, bool invalidated)
    {
        // RFC 9111 §4.4: a "non-error status code" (2xx, 3xx) to an unsafe method invalidates; 4xx and 5xx do not.
        // 1xx is never a final response on the wire; 199 pins the lower bound at 200.
        using var harness = new CachingHarness();
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("body", "max-age=600"));
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ => new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent("") });

        await harness.GetAsync(Url);
        (await harness.Client().PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken)).Dispose();
        using var after = await harness.GetAsync(Url);

        Assert.Equal(invalidated ? 2 : 1, harness.Origin.GetMatchCount(get));
        Assert.StartsWith(invalidated ? "HttpCaching; fwd=uri-miss" : "HttpCaching; hit", after.CacheStatus());
    }

    [Theory]
    [InlineData("Sun, 04 Jan 2026 09:00:00 GMT", HttpStatusCode.NotModified)]
    [InlineData("Sun, 04 Jan 2026 08:59:59 GMT", HttpStatusCode.OK)]
    public async Task Conditional_IfModifiedSinceAtTheStoredLastModified_IsNotModified(string ifModifiedSince, HttpStatusCode expected)
    {
        // RFC 9110 §13.1.3: not modified when Last-Modified is no later than the date given, so an equal date is a 304.
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=600");
            response.Content.Headers.TryAddWithoutValidation("Last-Modified", "Sun, 04 Jan 2026 09:00:00 GMT");
            return response;
        });

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-Modified-Since", ifModifiedSince));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(-10, 5, 10, 15)] // Date stamped as the answer left: apparent age 0, so 5 + 10.
    [InlineData(0, 5, 10, 15)] // Date stamped as the request arrived: apparent age 10 < 5 + 10.
    [InlineData(12, 5, 10, 22)] // apparent age 22 > 5 + 10
    [InlineData(20, 5, 10, 30)]
    [InlineData(100, 5, 10, 110)]
    public async Task Age_OriginTakesTimeToAnswer_CorrectedInitialAgeIncludesTheResponseDelay(int dateSecondsBeforeRequest, int age, int delaySeconds, int expectedAge)
    {
        // RFC 9111 §4.2.3: corrected_age_value = age_value + response_delay;
        // corrected_initial_age = max(apparent_age, corrected_age_value), apparent_age = response_time - date_value.
        // The request's store budget (StoreTimeout) counts from the start of the request, origin time included: with the
        // default 250 ms, a 10 s answer would leave no time to store it.
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StoreTimeout = TimeSpan.FromMinutes(1);
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var requestTime = harness.Time.GetUtcNow();
            harness.Time.Advance(TimeSpan.FromSeconds(delaySeconds));
            var response = harness.Response("body", "max-age=600");
            response.Headers.Date = requestTime.AddSeconds(-dateSecondsBeforeRequest);
            response.Headers.Age = TimeSpan.FromSeconds(age);
            return response;
        });

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(expectedAge.ToString(System.Globalization.CultureInfo.InvariantCulture), hit.Header("Age"));
        Assert.Equal($"HttpCaching; hit; ttl={600 - expectedAge}", hit.CacheStatus());
    }

    [Theory]
    [InlineData("max-age=60, stale-if-error=120", 0, true)]
    [InlineData("max-age=60, stale-if-error=120", 1, false)]
    [InlineData("max-age=60", 0, true)]
    [InlineData("max-age=60", 1, false)]
    public async Task StaleIfError_AtTheEndOfTheWindow_StillServedAndOneTickLaterNot(string cacheControl, int ticksPastWindow, bool servedStale)
    {
        // RFC 5861 §4: the window includes its end. Without the directive, the configured window (2 minutes here) applies.
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StaleIfError = TimeSpan.FromMinutes(2);
        });
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("good", cacheControl)
            : harness.Response("down", status: HttpStatusCode.ServiceUnavailable));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(60 + 120) + (ticksPastWindow * Tick));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(2, calls);
        Assert.Equal(servedStale ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(servedStale ? "good" : "down", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Gone, false)]
    [InlineData(HttpStatusCode.MovedPermanently, false)]
    [InlineData(HttpStatusCode.NonAuthoritativeInformation, false)]
    public async Task Conditional_MatchingIfNoneMatch_AnsweredWith304OnlyFromStored200(HttpStatusCode stored, bool notModified)
    {
        // A 304 stands for a 200 (RFC 9110 §15.4.5): any other stored status is served in full, even when its ETag matches.
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("stored body", etag: "\"d1\"", status: stored);
            if (stored == HttpStatusCode.MovedPermanently)
            {
                response.Headers.Location = new Uri("https://api.example.test/elsewhere");
            }

            return response;
        });

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"d1\""));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
        Assert.Equal(notModified ? HttpStatusCode.NotModified : stored, response.StatusCode);
        Assert.Equal(notModified ? "" : "stored body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", null)]
    [InlineData(null, "a")]
    [InlineData("", "a")]
    public async Task Vary_FieldAbsentOrEmpty_AreDifferentVariants(string? stored, string? requested)
    {
        // RFC 9111 §4.1: the stored request's field values must match; a field that is absent does not match one that
        // is present with an empty value.
        using var harness = new CachingHarness();
        var count = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            count++;
            var tenant = request.Headers.NonValidated.TryGetValues("X-Tenant", out var values) ? $"[{values}]" : "none";
            var response = harness.Response($"tenant {tenant}", "max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", "X-Tenant");
            return response;
        });

        void Tenant(HttpRequestMessage request, string? value)
        {
            if (value is not null)
            {
                Assert.True(request.Headers.TryAddWithoutValidation("X-Tenant", value));
            }
        }

        await harness.GetAsync(Url, configure: r => Tenant(r, stored));
        using var same = await harness.GetAsync(Url, configure: r => Tenant(r, stored));
        using var other = await harness.GetAsync(Url, configure: r => Tenant(r, requested));

        Assert.StartsWith("HttpCaching; hit", same.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=uri-miss", other.CacheStatus());
        Assert.Equal(2, count);
        Assert.Equal(requested is null ? "tenant none" : $"tenant [{requested}]", await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("max-age=3600", true)]
    [InlineData("max-stale", true)]
    [InlineData("max-stale=60", true)]
    [InlineData("x-unknown-directive", true)]
    public async Task Pragma_NoCacheWithCacheControlInTheRequest_Ignored(string? cacheControl, bool hit)
    {
        // RFC 9111 §5.4: Pragma: no-cache counts as Cache-Control: no-cache only when the request has no Cache-Control.
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Pragma", "no-cache");
            if (cacheControl is not null)
            {
                r.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
            }
        });

        Assert.Equal(hit ? 1 : 2, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith(hit ? "HttpCaching; hit" : "HttpCaching; fwd=request", response.CacheStatus());
    }

    [Fact]
    public async Task Breaker_ThrowingStore_OpensAfterExactlyFiveConsecutiveFailures()
    {
        // The documented threshold is 5: the literal is asserted too, so changing the constant is caught here.
        Assert.Equal(5, GuardedStore.FailureThreshold);
        var down = ChaosDistributedCache.Down();
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<IDistributedCache>(down));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));
        var callsAfterEachRequest = new List<int>();

        for (var i = 0; i < 5; i++)
        {
            using var response = await harness.GetAsync(Url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            callsAfterEachRequest.Add(down.Calls);
        }

        // A miss reads, reads again before the write (a failed read says nothing of what another instance stored
        // meanwhile), then writes: three failures per request. The second request's read again is the fifth failure,
        // which opens the breaker: its write and later requests are skipped.
        Assert.Equal([3, 5, 5, 5, 5], callsAfterEachRequest);
        Assert.Equal(5, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Breaker_GuardedStore_FifthConsecutiveFailureOpensIt()
    {
        Assert.Equal(5, GuardedStore.FailureThreshold);
        var down = ChaosDistributedCache.Down();
        var guarded = new GuardedStore(down, new FakeTimeProvider(TestClock.Start), new HttpCachingMetrics(null), NullLogger.Instance);

        for (var failures = 1; failures <= 4; failures++)
        {
            Assert.Null(await guarded.GetAsync("k", CachingHarness.ClientName, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
            Assert.Equal(failures, down.Calls);
            Assert.False(guarded.IsOpen);
        }

        Assert.Null(await guarded.GetAsync("k", CachingHarness.ClientName, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        Assert.Equal(5, down.Calls);
        Assert.True(guarded.IsOpen);

        Assert.Null(await guarded.GetAsync("k", CachingHarness.ClientName, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        Assert.False(await guarded.SetAsync("k", new HeldRecord([1]), new DistributedCacheEntryOptions(), CachingHarness.ClientName, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        Assert.Equal(5, down.Calls);
    }
}
