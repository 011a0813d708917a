using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// RFC 5861 stale-while-revalidate: within the window a stale response is served at once and one background request
/// revalidates it; a failed background request leaves the entry as it was.
/// </summary>
public sealed class StaleWhileRevalidateTests
{
    private const string Url = "https://feeds.example.test/swr.rss";
    private const string SwrStatus = "HttpCaching; hit; ttl=-30; detail=stale-while-revalidate";

    private static Action<ThirdPartyCachingOptions> Window(TimeSpan staleWhileRevalidate) => o =>
    {
        o.MinimumFreshness = TimeSpan.Zero;
        o.StaleWhileRevalidate = staleWhileRevalidate;
    };

    [Fact]
    public async Task StaleWithinWindow_ServedAtOnceThenOneBackgroundRequest_NextRequestIsAFreshHit()
    {
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var background = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(async () =>
        {
            Interlocked.Increment(ref background);
            await gate.Task;
            return harness.Response("<rss>v2</rss>", "max-age=60", "\"v2\"");
        });
        var initial = harness.Origin.When(Url).Respond(_ => harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));

        // The origin holds the background request until the gate opens; the stale response does not wait for it.
        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("<rss>v1</rss>", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(SwrStatus, stale.CacheStatus());
            Assert.Equal("90", stale.Header("Age"));
        }

        // The background request started with the stale response and comes to wait at the origin; let go, it stores v2.
        await Poll.UntilAsync(() => Volatile.Read(ref background) == 1, "the background request reaches the origin");
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        gate.SetResult();
        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background revalidation stores v2");

        using var fresh = await harness.GetAsync(Url);
        Assert.Equal("<rss>v2</rss>", await fresh.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("\"v2\"", fresh.Headers.ETag?.Tag);
        Assert.Equal("HttpCaching; hit; ttl=60", fresh.CacheStatus());
        Assert.Equal(1, background);
        Assert.Equal(1, harness.Origin.GetMatchCount(initial));
    }

    [Fact]
    public async Task OnlyIfCachedWithinWindow_ServedStaleWithoutABackgroundRequest()
    {
        // RFC 9111 §5.2.1.7: the caller wants no network request. Within the window it gets the stale response, and no
        // background revalidation goes out on its behalf. The next ordinary request starts one; had the only-if-cached
        // request started one first, that one would have been joined, and it is the only one carrying only-if-cached.
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        var revalidations = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(request =>
        {
            revalidations.Enqueue(request.Headers.CacheControl?.OnlyIfCached == true);
            return harness.Response("<rss>v2</rss>", "max-age=60", "\"v2\"");
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);

        using (var offline = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "only-if-cached")))
        {
            Assert.Equal(HttpStatusCode.OK, offline.StatusCode);
            Assert.Equal("<rss>v1</rss>", await offline.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(SwrStatus, offline.CacheStatus());
        }

        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal(SwrStatus, stale.CacheStatus());
        }

        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the ordinary request's background revalidation stores v2");
        Assert.Equal([false], revalidations);
    }

    [Theory]
    [InlineData("\"v2\"")]
    [InlineData("*")]
    public async Task CallersConditionalWithinWindow_BackgroundRevalidationAsksWithTheStoredValidatorOnly(string callersTag)
    {
        // The origin is at v2 and answers a 304 without validators whenever If-None-Match matches what it has. Had the
        // caller's tag gone along, that 304 would have refreshed the stored v1 as if it were current.
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();
        harness.Origin.When(Url).With(r => r.Headers.NonValidated.Contains("If-None-Match")).Respond(request =>
        {
            var tags = request.Headers.NonValidated["If-None-Match"].ToString();
            asked.Enqueue(tags);
            return tags.Contains("\"v2\"", StringComparison.Ordinal) || tags.Contains('*', StringComparison.Ordinal)
                ? harness.NotModified("max-age=60")
                : harness.Response("<rss>v2</rss>", "max-age=60", "\"v2\"");
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        using (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", callersTag)))
        {
        }

        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background revalidation stores its result");
        using var next = await harness.GetAsync(Url);

        Assert.Equal(["\"v1\""], asked);
        Assert.Equal("<rss>v2</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; hit; ttl=60", next.CacheStatus());
    }

    [Fact]
    public async Task CallersIfModifiedSinceWithinWindow_BackgroundRevalidationAsksWithTheStoredDateOnly()
    {
        // Stored with Last-Modified only; the origin changed since, and answers 304 to any date after the change.
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        const string Stored = "Mon, 05 Jan 2026 09:00:00 GMT";
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();
        harness.Origin.When(Url).With(r => r.Headers.IfModifiedSince is not null).Respond(request =>
        {
            asked.Enqueue(request.Headers.NonValidated["If-Modified-Since"].ToString());
            if (request.Headers.IfModifiedSince > new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero))
            {
                return harness.NotModified("max-age=60");
            }

            var changed = harness.Response("<rss>v2</rss>", "max-age=60");
            changed.Content.Headers.TryAddWithoutValidation("Last-Modified", "Mon, 05 Jan 2026 11:00:00 GMT");
            return changed;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss>v1</rss>", "max-age=60");
            response.Content.Headers.TryAddWithoutValidation("Last-Modified", Stored);
            return response;
        });
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        using (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-Modified-Since", "Mon, 05 Jan 2026 12:00:00 GMT")))
        {
        }

        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background revalidation stores its result");
        using var next = await harness.GetAsync(Url);

        Assert.Equal([Stored], asked);
        Assert.Equal("<rss>v2</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StaleWithinWindow_Background304_NextRequestIsAFreshHitWithTheNewMetadata()
    {
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        var background = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            var notModified = harness.NotModified("max-age=120", "\"v1\"");
            notModified.Headers.TryAddWithoutValidation("X-Feed-Build", "2");
            return notModified;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\"");
            response.Headers.TryAddWithoutValidation("X-Feed-Build", "1");
            return response;
        });
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal(SwrStatus, stale.CacheStatus());
            Assert.Equal("1", stale.Header("X-Feed-Build"));
        }

        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background 304 rewrites the entry");

        using var fresh = await harness.GetAsync(Url);
        Assert.Equal("<rss>v1</rss>", await fresh.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; hit; ttl=120", fresh.CacheStatus());
        Assert.Equal("2", fresh.Header("X-Feed-Build"));
        Assert.Equal(1, harness.Origin.GetMatchCount(background));
    }

    [Theory]
    [InlineData("max-age=60", 60, 30, true)]
    [InlineData("max-age=60", 60, 60, true)]
    [InlineData("max-age=60, stale-while-revalidate=60", 0, 30, true)]
    [InlineData("max-age=60", 60, 61, false)]
    [InlineData("max-age=60", 60, 90, false)]
    [InlineData("max-age=60", 0, 30, false)]
    [InlineData("max-age=60, stale-while-revalidate=10", 60, 30, false)]
    [InlineData("max-age=60, must-revalidate", 60, 30, false)]
    [InlineData("max-age=60, proxy-revalidate", 60, 30, false)]
    public async Task StaleResponse_WindowFromOptionOrDirective_ServedAtOnceOrRevalidated(string cacheControl, int optionSeconds, int staleSeconds, bool servedAtOnce)
    {
        using var harness = new CachingHarness(Window(TimeSpan.FromSeconds(optionSeconds)));
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified(cacheControl, "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>v1</rss>", cacheControl, "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(60 + staleSeconds));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        using var response = await harness.GetAsync(Url);

        // Served at once, the one conditional request is made in the background, and its 304 rewrites the entry;
        // otherwise it was made before the response, and no background request follows it.
        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the 304 rewrites the entry");

        Assert.Equal("<rss>v1</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            servedAtOnce ? $"HttpCaching; hit; ttl=-{staleSeconds}; detail=stale-while-revalidate" : "HttpCaching; fwd=stale; fwd-status=304",
            response.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
    }

    [Fact]
    public async Task BackgroundRequestThrows_EntryLeftAsItWasAndStaleServedAgain()
    {
        var failing = false;
        var backgroundCalls = 0;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            Window(TimeSpan.FromMinutes(1)),
            origin: new LambdaHandler(async (_, _) =>
            {
                if (!failing)
                {
                    return self!.Response("<rss>v1</rss>", "max-age=60", "\"v1\"");
                }

                Interlocked.Increment(ref backgroundCalls);
                await Task.Yield();
                throw new HttpRequestException("Connection reset");
            }),
            services: s => s.AddLogging(b => b.AddFakeLogging()));
        using (await harness.GetAsync(Url))
        {
        }

        var entryKey = Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
        var entryBefore = harness.Store.Raw(entryKey)!.ToArray();
        var keysBefore = harness.Store.Keys.Order(StringComparer.Ordinal).ToArray();
        failing = true;
        harness.Time.Advance(TimeSpan.FromSeconds(90));

        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal(SwrStatus, stale.CacheStatus());
        }

        // The failure is logged once the background run has ended (and let go of the URL).
        await harness.Logs.WaitForAsync(ClientCache.Log.BackgroundRevalidationFailedId, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, backgroundCalls);
        Assert.Equal(entryBefore, harness.Store.Raw(entryKey));
        Assert.Equal(keysBefore, harness.Store.Keys.Order(StringComparer.Ordinal).ToArray());

        // Still within the window: served stale again, with another background attempt.
        using (var again = await harness.GetAsync(Url))
        {
            Assert.Equal("<rss>v1</rss>", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(SwrStatus, again.CacheStatus());
        }

        await Poll.UntilAsync(() => Volatile.Read(ref backgroundCalls) == 2, "another background attempt");
        Assert.Equal(entryBefore, harness.Store.Raw(entryKey));
    }

    [Fact]
    public async Task BackgroundRequestGets500_EntryLeftAsItWasAndStaleServedAgain()
    {
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)), services: s => s.AddLogging(b => b.AddFakeLogging()));
        var failing = false;
        var origin = harness.Origin.When(Url).Respond(_ => failing
            ? harness.Response("down", status: HttpStatusCode.InternalServerError)
            : harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var entryKey = Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
        var entryBefore = harness.Store.Raw(entryKey)!.ToArray();
        failing = true;
        harness.Time.Advance(TimeSpan.FromSeconds(90));

        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Equal(SwrStatus, stale.CacheStatus());
        }

        // The refusal is logged once the background run has ended (and let go of the URL).
        await harness.Logs.WaitForAsync(ClientCache.Log.BackgroundRevalidationRefusedId, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal(entryBefore, harness.Store.Raw(entryKey));

        using var again = await harness.GetAsync(Url);
        await Poll.UntilAsync(() => harness.Origin.GetMatchCount(origin) == 3, "another background attempt");
        Assert.Equal("<rss>v1</rss>", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(SwrStatus, again.CacheStatus());
        Assert.Equal(3, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task ConcurrentStaleRequestsWithinWindow_AllServedStale_OneBackgroundRequest()
    {
        const int Callers = 20;
        using var harness = new CachingHarness(Window(TimeSpan.FromMinutes(1)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var background = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(async () =>
        {
            Interlocked.Increment(ref background);
            await gate.Task;
            return harness.NotModified("max-age=60", "\"v1\"");
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        var responses = await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(() => harness.GetAsync(Url))));

        // Every caller was served while the one background request was under way (it waits at the origin).
        await Poll.UntilAsync(() => Volatile.Read(ref background) == 1, "the background request reaches the origin");
        gate.SetResult();
        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background 304 rewrites the entry");
        foreach (var response in responses)
        {
            Assert.Equal("<rss>v1</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(SwrStatus, response.CacheStatus());
            response.Dispose();
        }

        Assert.Equal(1, background);
    }
}
