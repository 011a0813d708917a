using System.Collections;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Time-based serving decisions: Retry-After / origin back-off against later good responses and against
/// stale-while-revalidate.
/// </summary>
public sealed class BackoffTests
{
    private const string Url = "https://feeds.example.test/backoff.rss";

    private static HttpResponseMessage RetryAfter(CachingHarness harness, string seconds)
    {
        var response = harness.Response("slow down", status: HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", seconds);
        return response;
    }

    /// <summary>
    /// README: the back-off record "expires with the back-off and is removed by the next good origin response". A
    /// caller's no-cache request gets a good 200 from the origin during a Retry-After; that new version, once stale,
    /// must be revalidated, not served stale as if the origin still asked to be left alone.
    /// </summary>
    [Fact]
    public async Task Backoff_GoodResponseToANoCacheRequest_EndsTheBackoff()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
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

        // The origin answers well again, to a caller that asked for validation.
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        using (var good = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("<rss>v3</rss>", await good.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(3, calls);

        // v3 is now stale (max-age=60, no floor): it must go to the origin, which is healthy.
        harness.Time.Advance(TimeSpan.FromSeconds(120));
        using var next = await harness.GetAsync(Url);

        Assert.DoesNotContain("detail=retry-after", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(4, calls);
        Assert.Equal("<rss>v4</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// The same, for the ordinary path: past the stale-if-error window a request goes to the origin without reading the
    /// back-off, gets a good 200, and that 200 does not end the back-off either: the next version is then served stale
    /// for as long as the old Retry-After lasts (here up to an hour, with an origin that answered well).
    /// </summary>
    [Fact]
    public async Task Backoff_GoodResponseAfterTheStaleIfErrorWindow_EndsTheBackoff()
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
        using (await harness.GetAsync(Url))
        {
        }

        // Beyond stale-if-error (60 s of freshness + 5 min): the request asks the origin, which answers well.
        harness.Time.Advance(TimeSpan.FromSeconds(300));
        using (var good = await harness.GetAsync(Url))
        {
            Assert.Equal("<rss>v3</rss>", await good.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(3, calls);

        harness.Time.Advance(TimeSpan.FromSeconds(120));
        using var next = await harness.GetAsync(Url);

        Assert.DoesNotContain("detail=retry-after", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(4, calls);
    }

    /// <summary>
    /// README: "After a 429 or 503 with Retry-After ..., the origin is not called for that entry until that time" and
    /// the record is kept "so every instance sharing the store respects it". Within stale-while-revalidate the cache
    /// starts a background request without looking at the back-off record at all.
    /// </summary>
    [Fact]
    public async Task Backoff_RecordedRetryAfter_StaleWhileRevalidateDoesNotCallTheOrigin()
    {
        var coalescer = new RequestCoalescer(TimeProvider.System);
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(10);
            },
            services: s => s.AddSingleton(coalescer));
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
        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal("<rss>v1</rss>", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // No origin request may be under way or made: a background run, once started, is in the coalescer until it
        // has called the origin and ended.
        var flights = (ICollection)typeof(RequestCoalescer).GetField("_flights", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(coalescer)!;
        Assert.Empty(flights);
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
}
