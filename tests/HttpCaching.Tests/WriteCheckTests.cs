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

    // StoreTimeout is the longest a request waits on the store in all. The read of the store before the writes is not
    // charged when it answers, but one that times out is: a store that hangs after the request's first read costs the
    // request one StoreTimeout, and the writes are skipped, not given a full timeout each again.
    [Fact]
    public async Task Miss_StoreHangsAfterTheFirstRead_CostsTheRequestOneStoreTimeoutNotTwo()
    {
        ChaosDistributedCache? chaos = null;
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(_ => chaos!));
        chaos = new ChaosDistributedCache(harness.Store);
        var timeout = harness.Options().StoreTimeout;
        harness.Origin.When(Url).Respond(_ =>
        {
            // The store hangs from now on (the request's own read went through).
            chaos.AllFaults = StoreFault.Hang;
            return harness.Response("<rss/>", "max-age=600", "\"v1\"");
        });

        var request = harness.GetAsync(Url);
        await chaos.NextHang.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var secondHang = chaos.NextHang;

        // The first hung call (the write check's read) times out: the request has waited one StoreTimeout on the store.
        harness.Time.Advance(timeout);
        var first = await Task.WhenAny(request, secondHang).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var waitedAgain = first == secondHang;

        // Let the request end either way: each further hung call is timed out in turn.
        for (var i = 0; i < 4 && !request.IsCompleted; i++)
        {
            var next = chaos.NextHang;
            harness.Time.Advance(timeout);
            await Task.WhenAny(request, next).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        }

        using (await request.WaitAsync(TimeSpan.FromSeconds(20), Ct))
        {
        }

        Assert.False(waitedAgain, "after one StoreTimeout spent on a hung store, the request waited on another store call");
    }
}
