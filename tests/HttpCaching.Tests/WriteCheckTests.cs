using System.Net;
using System.Net.Http.Headers;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// What a response may write once the origin has answered: not an invalidated response back (the store refused the
/// removal), not at the cost of the writes' store budget, and not a weak 304's validators over the stored bytes.
/// </summary>
public sealed class WriteCheckTests
{
    private const string Url = "https://feeds.example.test/write-check.rss?key=k";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsEntry(string key) => key.Contains(":e:", StringComparison.Ordinal);

    // f80b0e8 promises "A 304 never brings back an invalidated response". With a near cache, an invalidation the store
    // did not take (its removal failed) is remembered as a pending removal, "so the store's copy is never served"
    // (TieredStore.RemoveAsync). The 304's check (StoredNowAsync) reads the shared store directly, past that pending
    // removal: it finds the very entry the request read (the removal never happened), calls it NotNewer, and the 304
    // rewrites it, fresh, over the pending removal. The next caller is served the invalidated v1 as a hit.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Revalidation_InvalidatedHereButTheStoreRefusedTheRemoval_The304DoesNotBringTheResponseBack(bool callersOwnConditional)
    {
        ChaosDistributedCache? chaos = null;
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            nearCache: true,
            services: s => s.AddSingleton<IDistributedCache>(_ => chaos!));
        chaos = new ChaosDistributedCache(harness.Store);
        var version = 1;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ =>
        {
            Volatile.Write(ref version, 2);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        harness.Origin.When(HttpMethod.Get, Url).Respond(async request =>
        {
            var current = Volatile.Read(ref version);
            if (request.Headers.IfNoneMatch.Count > 0 && request.Headers.IfNoneMatch.ToString() == $"\"v{current}\"")
            {
                var notModified = harness.NotModified("max-age=600", $"\"v{current}\"");
                reached.TrySetResult();
                await release.Task;
                return notModified;
            }

            return harness.Response($"v{current}", "max-age=600", $"\"v{current}\"");
        });

        Assert.Equal("v1", await harness.GetStringAsync(Url));
        harness.Time.Advance(TimeSpan.FromMinutes(11));

        var revalidation = callersOwnConditional
            ? harness.GetAsync(Url, configure: r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\"")))
            : harness.GetAsync(Url);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        // The POST invalidates the URL, but the store refuses the removal (a blip): this instance remembers it.
        chaos.RemoveFault = StoreFault.Throw;
        using (var posted = await harness.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }

        release.SetResult();
        using (await revalidation.WaitAsync(TimeSpan.FromSeconds(20), Ct))
        {
        }

        using var next = await harness.GetAsync(Url);
        Assert.Equal("v2", await next.Content.ReadAsStringAsync(Ct));
    }

    // f80b0e8 adds a store read to every origin request, charged to the request's one StoreBudget (StoreTimeout in
    // all, reads and writes). A store that answers every call within a third of StoreTimeout (100 ms of 250 ms) stored a
    // miss before (get, set body, set entry: started at 0, 100, 200 ms); now the extra get comes before the writes and
    // the entry's write finds the budget spent: never stored (detail=store-failed), so every request of every instance
    // goes to the origin, however healthy the store. The check that only guards the write costs the write itself.
    [Fact]
    public async Task Miss_StoreAnswersEachCallInAThirdOfStoreTimeout_IsStillStored()
    {
        FakeTimeProvider? clock = null;
        CachingHarness? self = null;
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(_ => new LatentStore(self!.Store, clock!, TimeSpan.FromMilliseconds(100))));
        (self, clock) = (harness, harness.Time);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("<rss/>", "max-age=600", "\"v1\""));

        using var first = await harness.GetAsync(Url);
        Assert.EndsWith("; stored", first.CacheStatus(), StringComparison.Ordinal);
        using var second = await harness.GetAsync(Url);
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    // aaaeb05 keeps a 304's validators off the stored bytes when it matched only weakly, but only when the stored tag is
    // strong (MatchedOnlyWeakly). A stored weak tag matched by a weak 304 is just as much a weak match (RFC 9110 §8.8.3.2:
    // equivalent, not the same bytes): the 304's newer Last-Modified still replaces the stored one, counts as a strong
    // validator (a second before Date), and If-Range with it splices the stored bytes onto the newer representation.
    [Fact]
    public async Task IfRange_DateFromAWeak304OverAStoredWeakETag_ServesTheWholeBody()
    {
        const string body = "0123456789";
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var created = harness.Time.GetUtcNow();
        DateTimeOffset? newer = null;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "W/\"v1\"").Respond(_ =>
        {
            var response = harness.NotModified("max-age=600", "W/\"v1\"");
            newer = harness.Time.GetUtcNow().AddSeconds(-10);
            response.Content = new ByteArrayContent([]);
            response.Content.Headers.LastModified = newer;
            return response;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response(body, "max-age=60", "W/\"v1\"");
            response.Content.Headers.LastModified = created.AddHours(-1);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using (var revalidated = await harness.GetAsync(Url))
        {
            Assert.Contains("fwd-status=304", revalidated.CacheStatus(), StringComparison.Ordinal);
        }

        harness.Time.Advance(TimeSpan.FromSeconds(5));
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=5-");
            r.Headers.TryAddWithoutValidation("If-Range", newer!.Value.ToString("r"));
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A store that works, each call taking <paramref name="latency"/> on the fake clock.</summary>
    private sealed class LatentStore(IDistributedCache inner, FakeTimeProvider clock, TimeSpan latency) : IDistributedCache
    {
        private T Slow<T>(T result)
        {
            clock.Advance(latency);
            return result;
        }

        public byte[]? Get(string key) => Slow(inner.Get(key));

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Slow(inner.GetAsync(key, token));

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Slow(() => inner.Set(key, value, options))();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Slow(inner.SetAsync(key, value, options, token));

        public void Refresh(string key) => Slow(() => inner.Refresh(key))();

        public Task RefreshAsync(string key, CancellationToken token = default) => Slow(inner.RefreshAsync(key, token));

        public void Remove(string key) => Slow(() => inner.Remove(key))();

        public Task RemoveAsync(string key, CancellationToken token = default) => Slow(inner.RemoveAsync(key, token));
    }
}
