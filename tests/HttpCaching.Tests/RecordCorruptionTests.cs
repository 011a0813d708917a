using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Records damaged in the store, byte by byte, are misses: every record carries a CRC-32C of its contents.
/// </summary>
public sealed class RecordCorruptionTests
{
    private const string Url = "https://feeds.example.test/news.rss";

    /// <summary>The chaos test as specified: ChaosDistributedCache with every rate, CorruptRate included, at 0.05.</summary>
    [Fact]
    public async Task ChaoticStore_InPlaceCorruptionToo_EveryRequestSucceedsWithABodyTheOriginSent()
    {
        var clock = new TimerWatchingTimeProvider();
        var chaos = new ChaosDistributedCache(new RecordingDistributedCache(clock), seed: 9111)
        {
            ThrowRate = 0.05,
            HangRate = 0.05,
            CorruptRate = 0.05,
            DropWriteRate = 0.05,
            EvictRate = 0.05,
        };

        var result = await ChaosRun.RunAsync(clock, chaos, 10_000, seed: 5861);

        Assert.True(result.Failures.Count == 0 && result.WrongBodies.Count == 0, result.Describe());
        Assert.True(chaos.Corruptions > 0, "no record was damaged");
    }

    [Fact]
    public async Task BodyRecord_ByteFlippedInTheBody_IsNotServed()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("<rss>good</rss>", "max-age=600", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var bodyKey = Assert.Single(harness.Store.Keys, k => k.Contains(":b:", StringComparison.Ordinal));
        var record = harness.Store.Raw(bodyKey)!.ToArray();
        record[^2] ^= 0x20; // "</rss>" becomes "</rSs>"
        harness.Store.Put(bodyKey, record);

        using var response = await harness.GetAsync(Url);

        Assert.Equal("<rss>good</rss>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task EntryRecord_StatusFlipped_IsNotServed()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>good</rss>", "max-age=600", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var entryKey = Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
        var record = harness.Store.Raw(entryKey)!.ToArray();
        record[6] ^= 0x3E; // status 200 (0xC8) becomes 246 (0xF6); the preamble is 6 bytes
        harness.Store.Put(entryKey, record);

        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EntryRecord_ReasonPhraseFlippedToNewLine_RequestDoesNotFail()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>good</rss>", "max-age=600", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var entryKey = Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
        var record = harness.Store.Raw(entryKey)!.ToArray();
        Assert.Equal((byte)'O', record[14]); // preamble 6, status 4, reason length 4, then "OK"
        record[14] = (byte)'\n';
        harness.Store.Put(entryKey, record);

        using var response = await harness.GetAsync(Url); // throws FormatException from Serve

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EntryRecord_DamagedOnOneReadThenRevalidated_DamageIsNotWrittenBack()
    {
        CachingHarness? self = null;
        var store = new FlipStatusOnNextEntryRead(() => self!.Store);
        using var harness = self = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(store));
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>good</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromMinutes(2));
        store.Armed = true;
        using (await harness.GetAsync(Url))
        {
        }

        // The store itself was never damaged; only one read was. The next, clean read must not see a 246.
        using var response = await harness.GetAsync(Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Returns the entry record with its status byte flipped on one read; the stored bytes are untouched.</summary>
    private sealed class FlipStatusOnNextEntryRead(Func<RecordingDistributedCache> inner) : IDistributedCache
    {
        public bool Armed { get; set; }

        public byte[]? Get(string key) => throw new NotSupportedException();

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var value = await inner().GetAsync(key, token);
            if (Armed && value is not null && key.Contains(":e:", StringComparison.Ordinal))
            {
                Armed = false;
                value = value.ToArray();
                value[6] ^= 0x3E;
            }

            return value;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner().SetAsync(key, value, options, token);

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => inner().RefreshAsync(key, token);

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => inner().RemoveAsync(key, token);
    }
}
