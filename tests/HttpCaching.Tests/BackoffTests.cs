using System.Net;
using System.Net.Http.Headers;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// The origin back-off (Retry-After, OriginBackoff): against later good responses, stale-while-revalidate and its
/// background requests, instances whose clocks differ, and a clock near the end of time.
/// </summary>
public sealed class BackoffTests
{
    private const string Url = "https://feeds.example.test/backoff.rss";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpResponseMessage RetryAfter(CachingHarness harness, string seconds)
    {
        var response = harness.Response("slow down", status: HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", seconds);
        return response;
    }

    /// <summary>
    /// A 503 with Retry-After records a back-off of an hour. Then the origin answers well: to a caller's no-cache
    /// request, or to a plain request past the stale-if-error window (which does not read the back-off). The version it
    /// stored, once stale, goes to the origin again: the back-off was written before that response was received, so it
    /// no longer holds for it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Backoff_AGoodResponseAfterIt_ItNoLongerHoldsForThatResponse(bool noCache)
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StaleIfError = TimeSpan.FromMinutes(5);
        });
        var calls = 0;
        harness.Origin.When(Url).Respond(_ =>
        {
            var call = Interlocked.Increment(ref calls);
            return call == 2
                ? RetryAfter(harness, "3600")
                : harness.Response($"<rss>v{call}</rss>", "max-age=60", $"\"v{call}\"");
        });

        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(120));
        using (var limited = await harness.GetAsync(Url))
        {
            Assert.Equal("<rss>v1</rss>", await limited.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // Ten seconds later with no-cache, or beyond stale-if-error (60 s of freshness + 5 min) without.
        harness.Time.Advance(TimeSpan.FromSeconds(noCache ? 10 : 300));
        using (var good = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = noCache ? new CacheControlHeaderValue { NoCache = true } : null))
        {
            Assert.Equal("<rss>v3</rss>", await good.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(3, calls);

        // v3 is now stale (max-age=60, no floor): it goes to the origin, which is healthy.
        harness.Time.Advance(TimeSpan.FromSeconds(120));
        using var next = await harness.GetAsync(Url);

        Assert.DoesNotContain("detail=retry-after", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(4, calls);
        Assert.Equal("<rss>v4</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// After a 429 or 503 with Retry-After the origin is not called for that entry until that time, and the record is
    /// kept so every instance sharing the store respects it: within stale-while-revalidate too, the stale response is
    /// served without a background request.
    /// </summary>
    [Fact]
    public async Task Backoff_RecordedRetryAfter_StaleWhileRevalidateDoesNotCallTheOrigin()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StaleWhileRevalidate = TimeSpan.FromMinutes(10);
        });
        var calls = 0;
        harness.Origin.When(Url).Respond(_ =>
            Interlocked.Increment(ref calls) == 1
                ? harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\"")
                : RetryAfter(harness, "3600"));

        using (await harness.GetAsync(Url))
        {
        }

        // While v1 is fresh, a caller's no-cache request meets a 503 with Retry-After: one hour. The back-off is recorded.
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        using (var limited = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("<rss>v1</rss>", await limited.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(2, calls);
        Assert.Contains(harness.Store.Keys, k => k.Contains(":r:", StringComparison.Ordinal));

        // A minute later v1 is 30 s stale, within stale-while-revalidate, and the origin asked to be left alone for an hour.
        harness.Time.Advance(TimeSpan.FromSeconds(60));
        using var stale = await harness.GetAsync(Url);

        // Served as held off (a background revalidation would be reported stale-while-revalidate), and never asked.
        Assert.Equal("<rss>v1</rss>", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRetryAfter, stale.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    /// <summary>
    /// "A cache problem never fails a request": with the clock far ahead (late in the year 9999), a 503 whose
    /// Retry-After reaches past the end of time makes the back-off arithmetic overflow. For a response the cache may not
    /// serve stale (must-revalidate) the caller must get the origin's 503, not an exception.
    /// </summary>
    [Fact]
    public async Task Backoff_ClockFarAheadAndHugeRetryAfter_OriginErrorPassesThroughInsteadOfThrowing()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, clockStart: new DateTimeOffset(9999, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var calls = 0;
        harness.Origin.When(Url).Respond(_ =>
            Interlocked.Increment(ref calls) == 1
                ? harness.Response("<rss>v1</rss>", "max-age=60, must-revalidate", "\"v1\"")
                : RetryAfter(harness, "31536000"));

        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(120));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    // Under stale-while-revalidate the background request is often the only one that reaches the origin: a 503 with
    // Retry-After that it meets is recorded, so the next stale hits are served without calling the origin again.
    [Fact]
    public async Task StaleWhileRevalidate_BackgroundRequestGets503WithRetryAfter_NextStaleHitDoesNotCallTheOrigin()
    {
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(10);
            },
            services: s => s.AddLogging(b => b.AddFakeLogging()));
        var calls = 0;
        harness.Origin.When(Url).Respond(_ =>
            Interlocked.Increment(ref calls) == 1
                ? harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\"")
                : RetryAfter(harness, "3600"));

        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal("<rss>v1</rss>", await stale.Content.ReadAsStringAsync(Ct));
        }

        // The background revalidation met "503, Retry-After: 3600" and has ended.
        await harness.Logs.WaitForAsync(ClientCache.Log.BackgroundRevalidationRefusedId, cancellationToken: Ct);
        Assert.Equal(2, Volatile.Read(ref calls));

        harness.Time.Advance(TimeSpan.FromSeconds(5));
        using var again = await harness.GetAsync(Url);

        // Held off (a background revalidation would be reported stale-while-revalidate) for the hour the origin asked.
        Assert.Equal("<rss>v1</rss>", await again.Content.ReadAsStringAsync(Ct));
        Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRetryAfter, again.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    // The back-off record says when it was written by the recording instance's clock, and the stored response when it
    // was received by the storing instance's. With instance A two seconds ahead of B, a Retry-After that B records a
    // second after A's store still holds on every instance: clocks that far apart do not end a back-off.
    [Fact]
    public async Task Backoff_RecordedByAnInstanceWhoseClockIsTwoSecondsBehind_IsRespectedByTheOthers()
    {
        static void Options(ThirdPartyCachingOptions o)
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StaleIfError = TimeSpan.FromHours(2);
        }

        using var a = new CachingHarness(Options);
        using var b = new CachingHarness(
            Options,
            registerStore: false,
            clockStart: a.Time.GetUtcNow() - TimeSpan.FromSeconds(2),
            services: s => s.AddSingleton<IDistributedCache>(a.Store));
        var aCalls = a.Origin.When(Url).Respond(_ => a.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        b.Origin.When(Url).Respond(_ => RetryAfter(b, "3600"));

        using (await a.GetAsync(Url))
        {
        }

        // A second later, a no-cache request on B meets the rate limit: one hour.
        a.Time.Advance(TimeSpan.FromSeconds(1));
        b.Time.Advance(TimeSpan.FromSeconds(1));
        using (await b.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
        }

        Assert.Contains(a.Store.Keys, k => k.Contains(":r:", StringComparison.Ordinal));

        // Two minutes later v1 is stale on A, within stale-if-error, and the origin asked to be left alone for an hour.
        a.Time.Advance(TimeSpan.FromSeconds(120));
        b.Time.Advance(TimeSpan.FromSeconds(120));
        using var response = await a.GetAsync(Url);

        Assert.Contains("detail=retry-after", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, a.Origin.GetMatchCount(aCalls));
    }
}
