using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Records damaged in the store, byte by byte, are misses: every record carries a CRC-32C of its contents. So is a body
/// record of other bytes than the entry names (another URL's, after a key mix-up), even without integrity keys.
/// </summary>
public sealed class RecordCorruptionTests
{
    private const string Url = "https://feeds.example.test/news.rss";
    private const string MeUrl = "https://api.example.test/me";

    [Fact]
    public async Task SwappedBodyRecords_SameLengthWithoutIntegrityKeys_EachUrlGetsItsOwnBody()
    {
        // A store that mixes up keys (crossed replies, say) returns another URL's body record, intact and of the same
        // length. The entry records the checksum of its own body, so the other one is a miss, never served.
        using var harness = new CachingHarness();
        harness.Origin.When("https://api.example.test/items/1").Respond(_ => harness.Response("{\"id\":1}", "max-age=600"));
        harness.Origin.When("https://api.example.test/items/2").Respond(_ => harness.Response("{\"id\":2}", "max-age=600"));
        Assert.Equal("{\"id\":1}", await BodyAsync(harness, "https://api.example.test/items/1"));
        Assert.Equal("{\"id\":2}", await BodyAsync(harness, "https://api.example.test/items/2"));
        var bodies = harness.Store.Keys.Where(k => k.Contains(":b:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, bodies.Length);
        var (a, b) = (harness.Store.Raw(bodies[0])!, harness.Store.Raw(bodies[1])!);
        harness.Store.Put(bodies[0], b);
        harness.Store.Put(bodies[1], a);

        Assert.Equal("{\"id\":1}", await BodyAsync(harness, "https://api.example.test/items/1"));
        Assert.Equal("{\"id\":2}", await BodyAsync(harness, "https://api.example.test/items/2"));
    }

    [Fact]
    public async Task SwappedVariantEntryRecords_VaryAuthorizationWithoutIntegrityKeys_EachUserGetsOnlyTheirOwnResponse()
    {
        // A store that mixes up keys (crossed replies, a key cut off past a length limit) must not make one variant's
        // response, one user's under Vary: Authorization, another variant's: the entry of another URL is a miss (above),
        // and so is the entry of another variant.
        using var harness = new CachingHarness();
        harness.Origin.When(MeUrl).Respond(request =>
        {
            var user = request.Headers.Authorization!.Parameter!;
            var response = harness.Response($"{{\"user\":\"{user}\"}}", "public, max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", "Authorization");
            return response;
        });

        (await harness.GetAsync(MeUrl, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer alice"))).Dispose();
        (await harness.GetAsync(MeUrl, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer bob"))).Dispose();

        // The two variants' entry records (not the URL's Vary record), swapped by the store.
        var variants = harness.Store.Keys
            .Where(k => CachingHarness.IsEntryKey(k) && !HttpCaching.Internal.Variants.IsVaryRecord(harness.Store.Raw(k)!))
            .ToArray();
        Assert.Equal(2, variants.Length);
        var (a, b) = (harness.Store.Raw(variants[0])!, harness.Store.Raw(variants[1])!);
        harness.Store.Put(variants[0], b);
        harness.Store.Put(variants[1], a);

        using var alice = await harness.GetAsync(MeUrl, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer alice"));
        using var bob = await harness.GetAsync(MeUrl, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer bob"));

        Assert.Equal("{\"user\":\"alice\"}", await alice.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("{\"user\":\"bob\"}", await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SwappedEntryRecords_SameETagAndLengthWithoutIntegrityKeys_EachUrlGetsItsOwnResponse()
    {
        // Another URL's entry under this URL's key, with the same strong ETag and body length, names a body version that
        // exists for this URL too; the body checksum it records is the other URL's, so it is a miss, not a mix of the
        // other URL's headers over this URL's body.
        using var harness = new CachingHarness();
        harness.Origin.When("https://api.example.test/items/1").Respond(_ => Item(harness, "{\"id\":1}", "one"));
        harness.Origin.When("https://api.example.test/items/2").Respond(_ => Item(harness, "{\"id\":2}", "two"));
        (await harness.GetAsync("https://api.example.test/items/1")).Dispose();
        (await harness.GetAsync("https://api.example.test/items/2")).Dispose();
        var entries = harness.Store.Keys.Where(CachingHarness.IsEntryKey).ToArray();
        Assert.Equal(2, entries.Length);
        var (a, b) = (harness.Store.Raw(entries[0])!, harness.Store.Raw(entries[1])!);
        harness.Store.Put(entries[0], b);
        harness.Store.Put(entries[1], a);

        using var one = await harness.GetAsync("https://api.example.test/items/1");
        using var two = await harness.GetAsync("https://api.example.test/items/2");

        Assert.Equal("one", Assert.Single(one.Headers.GetValues("X-Item")));
        Assert.Equal("{\"id\":1}", await one.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("two", Assert.Single(two.Headers.GetValues("X-Item")));
        Assert.Equal("{\"id\":2}", await two.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        static HttpResponseMessage Item(CachingHarness harness, string body, string item)
        {
            var response = harness.Response(body, "max-age=600", "\"1\"");
            response.Headers.TryAddWithoutValidation("X-Item", item);
            return response;
        }
    }

    private static async Task<string> BodyAsync(CachingHarness harness, string url)
    {
        using var response = await harness.GetAsync(url);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

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
