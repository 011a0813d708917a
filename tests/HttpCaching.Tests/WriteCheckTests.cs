using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// The read of the store between an origin's answer and the writes does not cost the writes their store budget.
/// </summary>
public sealed class WriteCheckTests
{
    private const string Url = "https://feeds.example.test/write-check.rss?key=k";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsEntry(string key) => key.Contains(":e:", StringComparison.Ordinal);

    // Every origin request reads the store once more before its writes, within the request's one store budget
    // (StoreTimeout for all its reads and writes) but without using it up. A store that answers every call within a
    // third of StoreTimeout (100 ms of 250 ms) still stores a miss (get, set body, set entry: at 0, 100 and 200 ms of
    // the budget), so the next request is a hit, not another origin request.
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
