using System.Net;
using System.Net.Http.Headers;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>ETag-versioned records: 304 refreshes metadata only, a new ETag writes a new version and keeps the old one.</summary>
public sealed class VersioningTests
{
    private const string Url = "https://feeds.example.test/news.rss?key=k";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsBody(string key) => key.Contains(":b:", StringComparison.Ordinal);

    private static bool IsEntry(string key) => key.Contains(":e:", StringComparison.Ordinal);

    [Fact]
    public async Task Revalidate_NotModified_RefreshesEntryWithoutWritingBody()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            var notModified = harness.NotModified("max-age=120", "\"v1\"");
            notModified.Headers.TryAddWithoutValidation("X-Refreshed", "yes");
            return notModified;
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>one</rss>", "max-age=60", "\"v1\"", mediaType: "application/rss+xml"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        harness.Store.ClearLog();
        using var revalidated = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);
        Assert.Equal("<rss>one</rss>", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/rss+xml; charset=utf-8", revalidated.Content.Headers.ContentType?.ToString());
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        Assert.Equal("yes", revalidated.Header("X-Refreshed"));
        Assert.Equal("0", revalidated.Header("Age"));
        Assert.Equal(0, harness.Store.SetCount(IsBody));
        Assert.Equal(1, harness.Store.SetCount(IsEntry));

        // The 304's max-age=120 now governs freshness.
        harness.Time.Advance(TimeSpan.FromSeconds(100));
        harness.Store.ClearLog();
        using var hit = await harness.GetAsync(Url);
        Assert.Equal("HttpCaching; hit; ttl=20", hit.CacheStatus());
        Assert.Equal("yes", hit.Header("X-Refreshed"));
        Assert.Equal(0, harness.Store.SetCount());
    }

    [Fact]
    public async Task Revalidate_LastModifiedOnly_SendsIfModifiedSince()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var lastModified = harness.Time.GetUtcNow().AddDays(-1);
        var conditional = harness.Origin.When(Url).WithHeaders("If-Modified-Since", lastModified.ToString("r"))
            .Respond(_ => harness.NotModified("max-age=60"));
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=60");
            response.Content.Headers.LastModified = lastModified;
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var revalidated = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal("body", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Revalidate_NewETag_WritesNewVersionAndKeepsTheOld()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var version = 1;
        harness.Origin.When(Url).Respond(_ => harness.Response($"<rss>{version}</rss>", "max-age=60", $"\"v{version}\""));

        await harness.GetAsync(Url);
        var firstBodyKeys = harness.Store.Keys.Where(IsBody).ToArray();
        var firstBody = harness.Store.Raw(Assert.Single(firstBodyKeys))!.ToArray();

        version = 2;
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var changed = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("<rss>2</rss>", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=200; stored", changed.CacheStatus());
        var bodyKeys = harness.Store.Keys.Where(IsBody).ToArray();
        Assert.Equal(2, bodyKeys.Length);
        Assert.Contains(firstBodyKeys[0], bodyKeys);
        Assert.Equal(firstBody, harness.Store.Raw(firstBodyKeys[0]));
        Assert.Equal(1, harness.Store.Operations.Count(o => o.Operation == "set" && o.Key == firstBodyKeys[0]));
    }

    [Fact]
    public async Task Store_SameETagTwice_SameVersionKey()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss/>", "max-age=0", "\"same\""));

        await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));
        await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));

        Assert.Single(harness.Store.Keys, IsBody);
    }

    [Fact]
    public async Task Store_NoETag_VersionComesFromContent()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var body = "a";
        harness.Origin.When(Url).Respond(_ => harness.Response(body, "max-age=0"));

        await harness.GetAsync(Url);
        body = "b";
        await harness.GetAsync(Url);
        body = "a";
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Store.Keys.Count(IsBody));
    }

    [Fact]
    public async Task Revalidate_NotModifiedNamingAnotherETag_FetchesFullResponse()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var full = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => harness.NotModified("max-age=60", "\"other\""));
        harness.Origin.When(Url).Respond(_ =>
        {
            full++;
            return harness.Response($"body{full}", "max-age=60", "\"v1\"");
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(2, full);
        Assert.Equal("body2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Read_CorruptEntryRecord_IsAMissAndGetsReplaced()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600", "\"v1\""));

        await harness.GetAsync(Url);
        var entryKey = Assert.Single(harness.Store.Keys, IsEntry);
        harness.Store.Put(entryKey, [1, 2, 3, 4, 5]);
        using var afterCorruption = await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("body", await afterCorruption.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("version")]
    [InlineData("kind")]
    [InlineData("foreign")]
    public async Task Read_DamagedBodyRecord_IsAMissNeverAWrongBody(string damage)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("the real body", "max-age=600", "\"v1\""));

        await harness.GetAsync(Url);
        var bodyKey = Assert.Single(harness.Store.Keys, IsBody);
        var record = harness.Store.Raw(bodyKey)!.ToArray();
        harness.Store.Put(bodyKey, damage switch
        {
            "truncate" => record[..^3],
            "version" => Patch(record, 5, RecordFormat.Version + 1),
            "kind" => Patch(record, 4, RecordFormat.EntryKind),
            _ => "the fake body"u8.ToArray(),
        });
        using var response = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("the real body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Read_BodyEvicted_IsAMiss()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600", "\"v1\""));

        await harness.GetAsync(Url);
        harness.Store.Remove(Assert.Single(harness.Store.Keys, IsBody));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("max-age=60", 2, 0, 2)]
    [InlineData("max-age=60", 2, 5, 5)]
    [InlineData("max-age=60, stale-if-error=36000", 2, 5, 10)]
    public async Task Store_Expiration_IsFreshnessPlusLongestStaleWindow(string cacheControl, int retentionHours, int staleIfErrorHours, int expectedHours)
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.FromMinutes(30);
            o.StaleRetention = TimeSpan.FromHours(retentionHours);
            o.StaleIfError = TimeSpan.FromHours(staleIfErrorHours);
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("body", cacheControl, "\"v1\""));

        await harness.GetAsync(Url);

        var expected = harness.Time.GetUtcNow() + TimeSpan.FromMinutes(30) + TimeSpan.FromHours(expectedHours);
        Assert.Equal(expected, harness.Store.ExpiresAt(Assert.Single(harness.Store.Keys, IsBody)));
        Assert.Equal(expected, harness.Store.ExpiresAt(Assert.Single(harness.Store.Keys, IsEntry)));
    }

    [Fact]
    public async Task Revalidate_NotModified_KeepsTheBodyAliveWithoutRewritingIt()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.FromMinutes(30);
            o.StaleRetention = TimeSpan.FromMinutes(30);
        });
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("<rss/>", "max-age=60", "\"v1\""));

        await harness.GetAsync(Url);
        var bodyKey = Assert.Single(harness.Store.Keys, IsBody);

        // Ten revalidations, each after the entry went stale: the body is refreshed each time, never written again,
        // and outlives the one-hour window it was first written with.
        for (var i = 0; i < 10; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(31));
            using var response = await harness.GetAsync(Url);
            Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", response.CacheStatus());
        }

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(1, harness.Store.SetCount(IsBody));
        Assert.Equal(10, harness.Store.Count("refresh", k => k == bodyKey));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refetch_StoreDoesNotTakeTheNewVersion_TheOlderIsNotServedAfterIt(bool refusedAsTooLarge)
    {
        // No near cache: each request reads the store. A caller asks for a fresh copy and gets v2, whose body the store
        // refuses (too large) or fails to write. v1, still fresh by its own max-age, must not come back after v2.
        CachingHarness? created = null;
        var store = new BodyWriteFailingStore(() => created!.Store, refusedAsTooLarge);
        using var harness = created = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(store));
        var version = 1;
        var full = harness.Origin.When(Url).Respond(_ => harness.Response($"<rss>{version}</rss>", "max-age=600", $"\"v{version}\""));
        Assert.Equal("<rss>1</rss>", await harness.GetStringAsync(Url));

        version = 2;
        store.FailBodies = true;
        using (var refreshed = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("<rss>2</rss>", await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.DoesNotContain("; stored", refreshed.CacheStatus(), StringComparison.Ordinal);
        }

        using var next = await harness.GetAsync(Url);

        Assert.Equal("<rss>2</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, harness.Origin.GetMatchCount(full));
        Assert.DoesNotContain(harness.Store.Keys, IsEntry);
    }

    [Theory]
    [InlineData("no-store", false)]
    [InlineData("no-store", true)]
    [InlineData("vary-star", false)]
    [InlineData("vary-beyond-record-limits", false)]
    [InlineData("too-large", false)]
    [InlineData("too-large-unannounced", false)]
    [InlineData("no-store-too-large-unannounced", true)]
    public async Task Refetch_NewVersionTheCacheMayNotStore_TheOlderIsNotServedAfterIt(string why, bool validated)
    {
        // v1 is stored and fresh. A caller asks for a fresh copy; the origin has v2, which this cache may not store.
        // v2 was served, so v1 must not be served after it: it is removed, and the next request goes to the origin.
        // With ValidateResponse, v2 is checked first (and accepted here).
        using var harness = new CachingHarness(o =>
        {
            (o.MinimumFreshness, o.MaxBodySize) = (TimeSpan.Zero, 64);
            o.ValidateResponse = validated ? (_, _) => ValueTask.FromResult(true) : null;
        });
        var version = 1;
        var full = harness.Origin.When(Url).Respond(_ =>
        {
            if (version == 1)
            {
                return harness.Response("<rss>1</rss>", "max-age=600", "\"v1\"");
            }

            var response = harness.Response(why.Contains("too-large", StringComparison.Ordinal) ? new string('2', 100) : "<rss>2</rss>", why.StartsWith("no-store", StringComparison.Ordinal) ? "no-store" : "max-age=600", "\"v2\"");
            if (why == "vary-star")
            {
                response.Headers.Vary.Add("*");
            }

            if (why == "vary-beyond-record-limits")
            {
                for (var i = 0; i <= RecordLimits.MaxVaryFields; i++)
                {
                    response.Headers.Vary.Add($"X-Field-{i}");
                }
            }

            if (why.EndsWith("too-large-unannounced", StringComparison.Ordinal))
            {
                response.Content = new StreamContent(new NonSeekableStream(System.Text.Encoding.ASCII.GetBytes(new string('2', 100))));
            }

            return response;
        });
        await harness.GetStringAsync(Url);

        version = 2;
        using (var refreshed = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Contains("2", await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        using var next = await harness.GetAsync(Url);

        Assert.DoesNotContain("1", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(3, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Refetch_NotFoundNoStore_IsNoNewVersionAndTheStoredEntryStays()
    {
        // Only a 200 is a new representation of the URL; an error status is passed on and leaves the stored one alone.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var status = HttpStatusCode.OK;
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>1</rss>", status == HttpStatusCode.OK ? "max-age=600" : "no-store", status == HttpStatusCode.OK ? "\"v1\"" : "\"gone\"", status));
        await harness.GetStringAsync(Url);

        status = HttpStatusCode.NotFound;
        using (var missing = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var next = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(0, harness.Store.Count("remove"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refetch_NoStoreOfTheSameVersionOrForACookie_TheStoredEntryStays(bool cookie)
    {
        // A no-store answer carrying the stored ETag is no newer version; one to a request with a Cookie may be that
        // user's alone. Neither removes the stored response, which the next request is served.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var version = 1;
        var full = harness.Origin.When(Url).Respond(_ => harness.Response($"<rss>{version}</rss>", version == 1 ? "max-age=600" : "no-store", cookie ? $"\"v{version}\"" : "\"v1\""));
        await harness.GetStringAsync(Url);

        version = 2;
        using (await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
            if (cookie)
            {
                r.Headers.Add("Cookie", "session=alice");
            }
        }))
        {
        }

        using var next = await harness.GetAsync(Url);

        Assert.Equal("<rss>1</rss>", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", next.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(0, harness.Store.Count("remove"));
    }

    [Fact]
    public async Task Refetch_StoreDoesNotTakeTheSameVersionAgain_TheStoredEntryStays()
    {
        // The origin answers a fresh-copy request with the version the store holds: nothing older is left behind, so the
        // failed write removes nothing.
        CachingHarness? created = null;
        var store = new BodyWriteFailingStore(() => created!.Store, refusedAsTooLarge: true);
        using var harness = created = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(store));
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss>1</rss>", "max-age=600", "\"v1\""));
        await harness.GetStringAsync(Url);
        var entry = Assert.Single(harness.Store.Keys, IsEntry);

        store.FailBodies = true;
        using (await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
        }

        Assert.Equal(0, harness.Store.Count("remove"));
        Assert.Contains(entry, harness.Store.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task Miss_HoweverQuickTheOrigin_TheStoreIsReadAgainBeforeTheWrite(int originMilliseconds)
    {
        // Any origin request may have been overtaken by another instance's newer version (Date counts whole seconds, so
        // a quick one can span the turn of a second): the entry is read again before the write.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).Respond(_ =>
        {
            harness.Time.Advance(TimeSpan.FromMilliseconds(originMilliseconds));
            return harness.Response("<rss/>", "max-age=600", "\"v1\"");
        });

        using var response = await harness.GetAsync(Url);

        Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, harness.Store.Reads.Count(IsEntry));
    }

    [Fact]
    public async Task Miss_TheEntryRecordItReadWasDamaged_IsNotReadAgainBeforeTheWrite()
    {
        // A damaged record is reported once; the write replaces it without reading it again.
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.NearCacheSizeLimit = 0;
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("<rss/>", "max-age=600", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var entry = harness.Store.Keys.Single(IsEntry);
        harness.Store.Put(entry, [0xFF, 0x00, 0x01]);
        harness.Store.ClearLog();

        using var response = await harness.GetAsync(Url);

        Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Store.Reads.Count(IsEntry));
    }

    [Fact]
    public async Task SlowRefetch_TheStoredResponseItReadIsDatedLater_IsStillReplaced()
    {
        // v1 came from an origin server whose clock is three seconds ahead. A slow fresh-copy request then gets v2, dated
        // before v1 by that skew. What the request read is not "stored meanwhile", however it is dated: v2 is written.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var version = 1;
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response($"<rss>{version}</rss>", "max-age=600", $"\"v{version}\"");
            if (version == 1)
            {
                response.Headers.Date = harness.Time.GetUtcNow().AddSeconds(3);
            }
            else
            {
                harness.Time.Advance(TimeSpan.FromSeconds(2));
            }

            return response;
        });
        await harness.GetStringAsync(Url);

        version = 2;
        using (var refreshed = await harness.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.EndsWith("; stored", refreshed.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal("<rss>2</rss>", await harness.GetStringAsync(Url));
    }

    private static byte[] Patch(byte[] record, int index, int value)
    {
        record[index] = (byte)value;
        return record;
    }

    /// <summary>
    /// A store that, once told to, does not take body records: it refuses them as too large (an argument exception
    /// naming the value, as the memcached store does) or fails the write (a store error). Everything else goes through.
    /// </summary>
    private sealed class BodyWriteFailingStore(Func<IDistributedCache> inner, bool refusedAsTooLarge) : IDistributedCache
    {
        public bool FailBodies { get; set; }

        public byte[]? Get(string key) => inner().Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner().GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
            FailBodies && IsBody(key)
                ? Task.FromException(refusedAsTooLarge ? new ArgumentOutOfRangeException(nameof(value), "Larger than the store's item size.") : new InvalidOperationException("The store failed the write."))
                : inner().SetAsync(key, value, options, token);

        public void Refresh(string key) => inner().Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner().RefreshAsync(key, token);

        public void Remove(string key) => inner().Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner().RemoveAsync(key, token);
    }

    [Theory]
    [InlineData("POST", false)]
    [InlineData("invalidator", false)]
    [InlineData("invalidator", true)]
    [InlineData("POST-refused", false)]
    [InlineData("POST-refused", true)]
    [InlineData("POST-refused-no-cache", false)]
    public async Task Revalidation_InvalidatedWhileTheOriginAnswers_The304DoesNotBringTheResponseBack(string how, bool callersOwnConditional)
    {
        // v1 is stored and goes stale. A GET revalidates it; the origin answers 304 for v1 (v1 is still current when the
        // revalidation reaches it), but the answer is slow to arrive. Meanwhile the resource changes: a POST (or the
        // application's webhook through IThirdPartyCacheInvalidator) invalidates the URL, or a POST whose removal the
        // store refuses, which this instance then keeps pending in its near cache. When the 304 arrives, the refreshed
        // v1 is not written back over the invalidation: the next caller gets the origin's v2.
        ChaosDistributedCache? chaos = null;
        // POST-refused-no-cache: v1 is still fresh, and a caller's no-cache request revalidates it.
        var refused = how.StartsWith("POST-refused", StringComparison.Ordinal);
        var noCache = how.EndsWith("no-cache", StringComparison.Ordinal);
        using var harness = refused
            ? new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, registerStore: false, nearCache: true, services: s => s.AddSingleton<IDistributedCache>(_ => chaos!))
            : new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
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
                // Decided now (v1 is current), delivered later.
                var notModified = harness.NotModified("max-age=600", $"\"v{current}\"");
                reached.TrySetResult();
                await release.Task;
                return notModified;
            }

            return harness.Response($"v{current}", "max-age=600", $"\"v{current}\"");
        });

        Assert.Equal("v1", await harness.GetStringAsync(Url));
        harness.Time.Advance(TimeSpan.FromMinutes(noCache ? 1 : 11));

        // The cache's own revalidation (of a stale v1, or a no-cache caller's), or the caller's own conditional GET, which
        // the cache sends on as it is.
        var revalidation = callersOwnConditional
            ? harness.GetAsync(Url, configure: r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\"")))
            : harness.GetAsync(Url, configure: r => r.Headers.CacheControl = noCache ? new CacheControlHeaderValue { NoCache = true } : null);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        if (how.StartsWith("POST", StringComparison.Ordinal))
        {
            chaos.RemoveFault = refused ? StoreFault.Throw : StoreFault.None;
            using var posted = await harness.Client().PostAsync(Url, new StringContent("x"), Ct);
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }
        else
        {
            Volatile.Write(ref version, 2);
            Assert.True(await harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));
        }

        release.SetResult();
        using (var revalidated = await revalidation.WaitAsync(TimeSpan.FromSeconds(20), Ct))
        {
            if (callersOwnConditional)
            {
                Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
            }
            else
            {
                Assert.Equal("v1", await revalidated.Content.ReadAsStringAsync(Ct));
                Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, revalidated.CacheStatus(), StringComparison.Ordinal);
            }

            Assert.Equal(refused, chaos.Throws > 0);
        }

        using var next = await harness.GetAsync(Url);
        Assert.Equal("v2", await next.Content.ReadAsStringAsync(Ct));
    }
}
