using System.Text;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Integrity protection and encryption at rest, end to end: whoever can write to the store cannot make the application
/// serve content the origin did not send.
/// </summary>
public sealed class IntegrityTests : IDisposable
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost";
    private const string OtherUrl = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fother";

    private readonly FakeLogCollector _logs = new();
    private readonly List<MetricCollector<long>> _tampered = [];
    private readonly string _client = $"integrity-{Guid.NewGuid():N}";

    public void Dispose()
    {
        foreach (var collector in _tampered)
        {
            collector.Dispose();
        }
    }

    private static bool IsBody(string key) => key.Contains(":b:", StringComparison.Ordinal);

    private static bool IsEntry(string key) => key.Contains(":e:", StringComparison.Ordinal);

    private static byte[] KeyId(byte[] key) => new RecordProtector([key], encrypt: false).CurrentKeyId.ToArray();

    private CachingHarness Create(
        Dictionary<string, string?> configuration,
        IDistributedCache? store = null,
        Action<ThirdPartyCachingOptions>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var harness = new CachingHarness(
            configure,
            configuration,
            registerStore: store is null,
            services: s =>
            {
                if (store is not null)
                {
                    s.AddSingleton(store);
                }

                s.AddLogging(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
                services?.Invoke(s);
            },
            clientNames: [_client]);
        _tampered.Add(harness.Metric(HttpCachingDiagnostics.StoreTamperedInstrument));
        harness.ValidateOnStart();
        return harness;
    }

    /// <summary>The origin answers "body 1", "body 2" and so on, fresh for ten minutes.</summary>
    private static MockedRequest CountingOrigin(CachingHarness harness, string url = Url)
    {
        var calls = 0;
        return harness.Origin.When(url).Respond(_ => harness.Response($"body {Interlocked.Increment(ref calls)}", "max-age=600"));
    }

    private async Task<string> BodyAsync(CachingHarness harness, string url = Url)
    {
        using var response = await harness.GetAsync(url, _client);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private FakeLogRecord[] TamperEvents() => _logs.WithId(ProtectedDistributedCache.Log.RecordTamperedId);

    /// <summary>Records of this test's client refused for <paramref name="reason"/>, as the tampered-records counter counted them.</summary>
    private long Tampered(string reason) =>
        _tampered.Sum(c => c.Sum((HttpCachingDiagnostics.ClientNameTag, _client), (HttpCachingDiagnostics.IntegrityFailureTag, reason)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RoundTrip_WithKeys_ServesHitsFromEnvelopedRecords(bool encrypt)
    {
        using var harness = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A));
        var origin = CountingOrigin(harness);

        using var miss = await harness.GetAsync(Url, _client);
        using var hit = await harness.GetAsync(Url, _client);

        Assert.StartsWith("HttpCaching; fwd=uri-miss; fwd-status=200; stored", miss.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal("body 1", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/json; charset=utf-8", hit.Content.Headers.ContentType?.ToString());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(2, harness.Store.Keys.Count);
        foreach (var key in harness.Store.Keys)
        {
            var record = harness.Store.Raw(key)!;
            Assert.Equal("HCP\0"u8.ToArray(), record[..4]);
            Assert.Equal(encrypt ? (byte)'E' : (byte)'S', record[5]);
            Assert.Equal(KeyId(IntegrityKeys.ABytes), record[6..10]);
        }

        Assert.Empty(TamperEvents());
    }

    [Fact]
    public async Task RoundTrip_Revalidation_KeepsWorkingThroughTheEnvelope()
    {
        using var harness = Create(IntegrityKeys.Configuration(encrypt: true, IntegrityKeys.A), configure: o => o.MinimumFreshness = TimeSpan.Zero);
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("versioned", "max-age=60", "\"v1\""));

        await BodyAsync(harness);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var revalidated = await harness.GetAsync(Url, _client);
        using var hit = await harness.GetAsync(Url, _client);

        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        Assert.Equal("versioned", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Empty(TamperEvents());
    }

    [Fact]
    public async Task Encrypt_StoredRecordsHoldNoPlaintext()
    {
        string[] markers = ["PLAINTEXT-BODY-MARKER", "PLAINTEXT-HEADER-MARKER", "PLAINTEXT-ETAG", "X-Marker", "rss+xml", "HCR\0"];
        var stores = new Dictionary<bool, RecordingDistributedCache>();
        foreach (var encrypt in new[] { false, true })
        {
            var harness = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A));
            harness.Origin.When(Url).Respond(_ =>
            {
                var response = harness.Response("<rss>PLAINTEXT-BODY-MARKER</rss>", "max-age=600", "\"PLAINTEXT-ETAG\"", mediaType: "application/rss+xml");
                response.Headers.TryAddWithoutValidation("X-Marker", "PLAINTEXT-HEADER-MARKER");
                return response;
            });

            await BodyAsync(harness);
            Assert.Equal("<rss>PLAINTEXT-BODY-MARKER</rss>", await BodyAsync(harness));
            stores[encrypt] = harness.Store;
        }

        var signedRecords = stores[false].Keys.Select(k => stores[false].Raw(k)!).ToArray();
        var encryptedRecords = stores[true].Keys.Select(k => stores[true].Raw(k)!).ToArray();
        Assert.Equal(2, encryptedRecords.Length);
        foreach (var marker in markers)
        {
            // Signing alone keeps records readable; encryption does not.
            Assert.Contains(signedRecords, r => IntegrityKeys.ContainsText(r, marker));
            Assert.DoesNotContain(encryptedRecords, r => IntegrityKeys.ContainsText(r, marker));
        }
    }

    public static TheoryData<string, string, bool, string> Tampering()
    {
        var data = new TheoryData<string, string, bool, string>();
        foreach (var encrypt in new[] { false, true })
        {
            foreach (var kind in new[] { "entry", "body" })
            {
                data.Add(kind, "flip-payload", encrypt, HttpCachingDiagnostics.IntegrityFailureInvalidTag);
                data.Add(kind, "flip-version", encrypt, HttpCachingDiagnostics.IntegrityFailureMalformed);
                data.Add(kind, "flip-key-id", encrypt, HttpCachingDiagnostics.IntegrityFailureUnknownKey);
                data.Add(kind, "flip-tag", encrypt, HttpCachingDiagnostics.IntegrityFailureInvalidTag);
                data.Add(kind, "truncate", encrypt, HttpCachingDiagnostics.IntegrityFailureInvalidTag);
                data.Add(kind, "truncate-header", encrypt, HttpCachingDiagnostics.IntegrityFailureMalformed);
                data.Add(kind, "unprotected", encrypt, HttpCachingDiagnostics.IntegrityFailureUnprotected);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task TamperedRecord_IsAMissNeverServedLoggedAndCounted(string kind, string tampering, bool encrypt, string reason)
    {
        using var harness = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A));
        var origin = CountingOrigin(harness);
        await BodyAsync(harness);
        var key = Assert.Single(harness.Store.Keys, kind == "entry" ? IsEntry : IsBody);
        var record = harness.Store.Raw(key)!;
        var payloadStart = RecordProtector.HeaderLength + (encrypt ? RecordProtector.NonceLength : 0);
        byte[] altered = tampering switch
        {
            "flip-payload" => Flip(record, payloadStart),
            "flip-version" => Flip(record, 4),
            "flip-key-id" => Flip(record, 7),
            "flip-tag" => Flip(record, record.Length - 1),
            "truncate" => record[..^1],
            "truncate-header" => record[..8],
            _ => Open(key, record),
        };
        harness.Store.Put(key, altered);

        using var response = await harness.GetAsync(Url, _client);

        Assert.Equal("body 2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; fwd=uri-miss; fwd-status=200; stored", response.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        var tamperEvent = Assert.Single(TamperEvents());
        Assert.Equal(LogLevel.Warning, tamperEvent.Level);
        Assert.Equal("CacheRecordTampered", tamperEvent.Id.Name);
        Assert.Equal("HttpCaching.Store", tamperEvent.Category);
        Assert.Contains(_client, tamperEvent.Message, StringComparison.Ordinal);
        Assert.Contains($"({reason})", tamperEvent.Message, StringComparison.Ordinal);
        new[] { tamperEvent }.AssertNoneContains(StringComparison.Ordinal, key);
        Assert.Equal(1, Tampered(reason));

        // The replacement is protected again and served.
        using var hit = await harness.GetAsync(Url, _client);
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal("body 2", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForgedBody_WellFormedButUnprotected_IsNeverServed(bool encrypt)
    {
        using var harness = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A));
        CountingOrigin(harness);
        await BodyAsync(harness);
        var bodyKey = Assert.Single(harness.Store.Keys, IsBody);

        // What an attacker with write access would store: a valid record in the handler's own format, same length.
        var forged = Open(bodyKey, harness.Store.Raw(bodyKey)!);
        Encoding.UTF8.GetBytes("EVIL 1").CopyTo(forged, RecordFormat.BodyHeaderLength);
        harness.Store.Put(bodyKey, forged);

        Assert.Equal("body 2", await BodyAsync(harness));
        Assert.Contains(HttpCachingDiagnostics.IntegrityFailureUnprotected, Assert.Single(TamperEvents()).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "entry")]
    [InlineData(false, "body")]
    [InlineData(true, "entry")]
    [InlineData(true, "body")]
    public async Task SwappedRecords_BetweenKeys_AreMissesAndEachUrlGetsItsOwnBody(bool encrypt, string kind)
    {
        using var harness = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A));
        var first = harness.Origin.When(Url).Respond(_ => harness.Response("one!", "max-age=600"));
        var second = harness.Origin.When(OtherUrl).Respond(_ => harness.Response("two!", "max-age=600"));
        await BodyAsync(harness, Url);
        await BodyAsync(harness, OtherUrl);

        var keys = harness.Store.Keys.Where(kind == "entry" ? IsEntry : IsBody).ToArray();
        Assert.Equal(2, keys.Length);
        var (a, b) = (harness.Store.Raw(keys[0])!, harness.Store.Raw(keys[1])!);
        harness.Store.Put(keys[0], b);
        harness.Store.Put(keys[1], a);

        using var one = await harness.GetAsync(Url, _client);
        using var two = await harness.GetAsync(OtherUrl, _client);

        Assert.Equal("one!", await one.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("two!", await two.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; fwd=uri-miss", one.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=uri-miss", two.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(first));
        Assert.Equal(2, harness.Origin.GetMatchCount(second));
        Assert.Equal(2, TamperEvents().Length);
        Assert.Equal(2, Tampered(HttpCachingDiagnostics.IntegrityFailureInvalidTag));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeyRotation_OldRecordsStayReadableUntilTheirKeyIsRemoved(bool encrypt)
    {
        var store = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));

        using (var withA = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.A), store))
        {
            CountingOrigin(withA);
            Assert.Equal("body 1", await BodyAsync(withA));
        }

        using (var rotating = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.B, IntegrityKeys.A), store))
        {
            var origin = CountingOrigin(rotating);
            var otherOrigin = CountingOrigin(rotating, OtherUrl);

            using var old = await rotating.GetAsync(Url, _client);
            await BodyAsync(rotating, OtherUrl);

            Assert.StartsWith("HttpCaching; hit", old.CacheStatus());
            Assert.Equal("body 1", await old.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(0, rotating.Origin.GetMatchCount(origin));
            Assert.Equal(1, rotating.Origin.GetMatchCount(otherOrigin));
        }

        var byKeyId = store.Keys.GroupBy(k => Convert.ToHexString(store.Raw(k)![6..10])).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, byKeyId[Convert.ToHexString(KeyId(IntegrityKeys.ABytes))]);
        Assert.Equal(2, byKeyId[Convert.ToHexString(KeyId(IntegrityKeys.BBytes))]);
        Assert.Empty(TamperEvents());

        using var withB = Create(IntegrityKeys.Configuration(encrypt, IntegrityKeys.B), store);
        var afterOrigin = CountingOrigin(withB);
        var afterOtherOrigin = CountingOrigin(withB, OtherUrl);

        using var removed = await withB.GetAsync(Url, _client);
        using var kept = await withB.GetAsync(OtherUrl, _client);

        Assert.StartsWith("HttpCaching; fwd=uri-miss", removed.CacheStatus());
        Assert.Equal(1, withB.Origin.GetMatchCount(afterOrigin));
        Assert.StartsWith("HttpCaching; hit", kept.CacheStatus());
        Assert.Equal(0, withB.Origin.GetMatchCount(afterOtherOrigin));
        Assert.Contains(HttpCachingDiagnostics.IntegrityFailureUnknownKey, Assert.Single(TamperEvents()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnablingIntegrity_ExistingPlainRecordsAreReplaced()
    {
        var store = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        using (var plain = Create([], store))
        {
            CountingOrigin(plain);
            await BodyAsync(plain);
        }

        using var protectedHarness = Create(IntegrityKeys.Configuration(encrypt: true, IntegrityKeys.A), store);
        var origin = CountingOrigin(protectedHarness);

        Assert.Equal("body 1", await BodyAsync(protectedHarness));
        using var hit = await protectedHarness.GetAsync(Url, _client);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, protectedHarness.Origin.GetMatchCount(origin));
        Assert.Contains(HttpCachingDiagnostics.IntegrityFailureUnprotected, Assert.Single(TamperEvents()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysInCode_ProtectRecords()
    {
        using var harness = Create([], services: s => s.Configure<HttpCachingStoreOptions>(o =>
        {
            o.Integrity.Keys.Add(IntegrityKeys.A);
            o.Integrity.Encrypt = true;
        }));
        CountingOrigin(harness);

        await BodyAsync(harness);
        using var hit = await harness.GetAsync(Url, _client);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.All(harness.Store.Keys, k =>
        {
            Assert.Equal((byte)'E', harness.Store.Raw(k)![5]);
            Assert.Equal(KeyId(IntegrityKeys.ABytes), harness.Store.Raw(k)![6..10]);
        });
    }

    [Fact]
    public async Task KeysInConfiguration_ReplaceKeysInCode()
    {
        using var harness = Create(
            IntegrityKeys.Configuration(encrypt: false, IntegrityKeys.B),
            services: s => s.Configure<HttpCachingStoreOptions>(o => o.Integrity.Keys.Add(IntegrityKeys.A)));
        CountingOrigin(harness);

        await BodyAsync(harness);

        Assert.Equal(2, harness.Store.Keys.Count);
        Assert.All(harness.Store.Keys, k => Assert.Equal(KeyId(IntegrityKeys.BBytes), harness.Store.Raw(k)![6..10]));
    }

    [Fact]
    public async Task KeyedStoreAndCustomPrefix_AreProtectedAndTamperingNamesTheClient()
    {
        var keyed = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        using var harness = Create(
            IntegrityKeys.Configuration(encrypt: false, IntegrityKeys.A),
            configure: o =>
            {
                o.StoreServiceKey = "feeds";
                o.KeyPrefix = "app1:";
            },
            services: s => s.AddKeyedSingleton<IDistributedCache>("feeds", keyed));
        CountingOrigin(harness);
        await BodyAsync(harness);
        var entryKey = Assert.Single(keyed.Keys, IsEntry);
        Assert.StartsWith($"app1:{_client}:e:", entryKey, StringComparison.Ordinal);
        Assert.Equal("HCP\0"u8.ToArray(), keyed.Raw(entryKey)![..4]);

        keyed.Put(entryKey, Flip(keyed.Raw(entryKey)!, 20));

        Assert.Equal("body 2", await BodyAsync(harness));
        Assert.Equal(1, Tampered(HttpCachingDiagnostics.IntegrityFailureInvalidTag));
        Assert.Empty(harness.Store.Operations);
    }

    [Fact]
    public async Task BuiltInMemoryStore_IsProtectedToo()
    {
        var harness = new CachingHarness(
            configuration: IntegrityKeys.Configuration(encrypt: true, IntegrityKeys.A),
            registerStore: false,
            clientNames: [_client]);
        using var _ = harness;
        var origin = CountingOrigin(harness);

        await BodyAsync(harness);
        using var hit = await harness.GetAsync(Url, _client);

        var memory = harness.Services.GetRequiredService<DefaultMemoryStore>();
        var entryKey = CacheKeyBuilder.EntryKey("httpcaching:", _client, CacheKeyBuilder.HashRequest("GET", new Uri(Url)));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        var record = memory.Get(entryKey)!;
        Assert.Equal("HCP\0"u8.ToArray(), record[..4]);
        Assert.Equal((byte)'E', record[5]);
    }

    [Fact]
    public async Task KeyMaterial_NeverAppearsInLogsMetricsOrStoreKeys()
    {
        var store = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        using (var withA = Create(IntegrityKeys.Configuration(encrypt: true, IntegrityKeys.A), store))
        {
            CountingOrigin(withA);
            await BodyAsync(withA);
        }

        using (var withB = Create(IntegrityKeys.Configuration(encrypt: false, IntegrityKeys.B), store))
        {
            CountingOrigin(withB);
            await BodyAsync(withB);
            var entryKey = Assert.Single(store.Keys, IsEntry);
            store.Put(entryKey, Flip(store.Raw(entryKey)!, 12));
            await BodyAsync(withB);
        }

        Assert.NotEmpty(TamperEvents());
        var measurements = _tampered.SelectMany(c => c.GetMeasurementSnapshot()).ToArray();
        Assert.NotEmpty(measurements);
        var texts = store.Keys
            .Concat(measurements.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}")))
            .ToArray();
        var leaks = IntegrityKeys.Leaks(IntegrityKeys.ABytes).Concat(IntegrityKeys.Leaks(IntegrityKeys.BBytes)).ToArray();
        _logs.GetSnapshot().AssertNoneContains(StringComparison.Ordinal, leaks);
        foreach (var leak in leaks)
        {
            Assert.All(texts, t => Assert.DoesNotContain(leak, t, StringComparison.Ordinal));
        }
    }

    private static byte[] Flip(byte[] record, int index)
    {
        var copy = (byte[])record.Clone();
        copy[index] ^= 0x01;
        return copy;
    }

    /// <summary>The plain record inside an envelope made with key A.</summary>
    private static byte[] Open(string key, byte[] record)
    {
        Assert.Equal(IntegrityFailure.None, new RecordProtector([IntegrityKeys.ABytes], encrypt: false).TryUnprotect(key, record, out var payload));
        return payload!;
    }
}
