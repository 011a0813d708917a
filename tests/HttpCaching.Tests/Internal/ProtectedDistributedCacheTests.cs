using System.Diagnostics.Metrics;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HttpCaching.Tests.Internal;

public sealed class ProtectedDistributedCacheTests : IDisposable
{
    private const string Key = "httpcaching:unit:e:hash";

    private static readonly DistributedCacheEntryOptions Lifetime = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

    private readonly RecordingDistributedCache _inner = new(new FakeTimeProvider(TestClock.Start));
    private readonly FakeLogCollector _logs = new();
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly string _client = $"unit-{Guid.NewGuid():N}";

    // The meter comes from a factory of this test's own, so the collector sees no other test's measurements.
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _tampered;

    public ProtectedDistributedCacheTests() =>
        _tampered = new(_meters.GetRequiredService<IMeterFactory>(), HttpCachingDiagnostics.MeterName, HttpCachingDiagnostics.StoreTamperedInstrument);

    public void Dispose()
    {
        _tampered.Dispose();
        _meters.Dispose();
    }

    private ProtectedDistributedCache Create(bool encrypt = false, Func<string, string?>? clientOf = null)
    {
        var logger = new FakeLogger(_logs, "HttpCaching.Store");
        var metrics = new HttpCachingMetrics(_meters.GetRequiredService<IMeterFactory>());
        return new ProtectedDistributedCache(_inner, new RecordProtector([IntegrityKeys.ABytes], encrypt), metrics, logger, clientOf ?? (_ => _client), _time);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SetThenGet_Synchronous_RoundTripsAndStoresTheEnvelope(bool encrypt)
    {
        var cache = Create(encrypt);

        cache.Set(Key, [1, 2, 3], Lifetime);

        Assert.Equal(new byte[] { 1, 2, 3 }, cache.Get(Key));
        Assert.Equal("HCP\0"u8.ToArray(), _inner.Raw(Key)![..4]);
        Assert.Equal(new FakeTimeProvider(TestClock.Start).GetUtcNow() + TimeSpan.FromMinutes(5), _inner.ExpiresAt(Key));
    }

    [Fact]
    public async Task SetAsyncThenGetAsync_RoundTripsWithoutChangingTheCallersArray()
    {
        var cache = Create(encrypt: true);
        byte[] value = [9, 8, 7];

        await cache.SetAsync(Key, value, Lifetime, TestContext.Current.CancellationToken);

        Assert.Equal(new byte[] { 9, 8, 7 }, value);
        Assert.Equal(value, await cache.GetAsync(Key, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_Absent_ReturnsNullAndReportsNothing()
    {
        var cache = Create();

        Assert.Null(cache.Get(Key));
        Assert.Null(await cache.GetAsync(Key, TestContext.Current.CancellationToken));
        Assert.Empty(_logs.GetSnapshot());
        Assert.Empty(_tampered.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Get_TamperedRecord_ReturnsNullLogsAndCounts()
    {
        var cache = Create();
        cache.Set(Key, [1, 2, 3], Lifetime);
        var record = _inner.Raw(Key)!;
        record[^1] ^= 1;

        Assert.Null(cache.Get(Key));
        _time.Advance(ProtectedDistributedCache.ReportAgainAfter);
        Assert.Null(await cache.GetAsync(Key, TestContext.Current.CancellationToken));

        var events = _logs.WithId(ProtectedDistributedCache.Log.RecordTamperedId);
        Assert.Equal(2, events.Length);
        Assert.All(events, e =>
        {
            Assert.Equal("CacheRecordTampered", e.Id.Name);
            Assert.Equal(LogLevel.Warning, e.Level);
            Assert.Contains(_client, e.Message, StringComparison.Ordinal);
            Assert.Contains("invalid-tag", e.Message, StringComparison.Ordinal);
        });
        events.AssertNoneContains(StringComparison.Ordinal, Key);
        Assert.Equal(2, _tampered.Sum((HttpCachingDiagnostics.ClientNameTag, _client), (HttpCachingDiagnostics.IntegrityFailureTag, HttpCachingDiagnostics.IntegrityFailureInvalidTag)));
    }

    [Fact]
    public void Get_SameTamperedRecordReadAgain_ReportedOncePerWindow_AnotherOneAtOnce()
    {
        // A request reads its key again after the origin answers, before it writes: one damaged record is one event.
        var cache = Create();
        _inner.Put(Key, [1, 2, 3]);
        var other = $"{Key}-other";
        _inner.Put(other, [1, 2, 3]);

        Assert.Null(cache.Get(Key));
        _time.Advance(ProtectedDistributedCache.ReportAgainAfter - TimeSpan.FromTicks(1));
        Assert.Null(cache.Get(Key));
        Assert.Single(_logs.WithId(ProtectedDistributedCache.Log.RecordTamperedId));

        // Another record under the same key, the same record under another key, and the same one once the window has
        // passed: each is reported.
        _inner.Put(Key, [1, 2, 4]);
        Assert.Null(cache.Get(Key));
        Assert.Null(cache.Get(other));
        _time.Advance(TimeSpan.FromTicks(1));
        _inner.Put(Key, [1, 2, 3]);
        Assert.Null(cache.Get(Key));
        Assert.Null(cache.Get(Key));

        Assert.Equal(4, _logs.WithId(ProtectedDistributedCache.Log.RecordTamperedId).Length);
        Assert.Equal(4, _tampered.Sum((HttpCachingDiagnostics.ClientNameTag, _client), (HttpCachingDiagnostics.IntegrityFailureTag, HttpCachingDiagnostics.IntegrityFailureUnprotected)));
    }

    [Fact]
    public void Get_TamperedRecordOfUnknownClient_IsCountedWithoutAClientTag()
    {
        var marker = $"unprotected-{Guid.NewGuid():N}";
        var cache = Create(clientOf: _ => null);
        _inner.Put(marker, [1, 2, 3]);

        Assert.Null(cache.Get(marker));

        var measurement = Assert.Single(_tampered.GetMeasurementSnapshot());
        Assert.False(measurement.Tags.ContainsKey(HttpCachingDiagnostics.ClientNameTag));
        Assert.Equal(HttpCachingDiagnostics.IntegrityFailureUnprotected, measurement.Tags[HttpCachingDiagnostics.IntegrityFailureTag]);
        Assert.Contains(_logs.WithId(ProtectedDistributedCache.Log.RecordTamperedId), e => e.Message.Contains("(unknown)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefreshAndRemove_PassThrough()
    {
        var cache = Create();
        cache.Set(Key, [1], Lifetime);

        cache.Refresh(Key);
        await cache.RefreshAsync(Key, TestContext.Current.CancellationToken);
        cache.Remove(Key);
        await cache.SetAsync(Key, [1], Lifetime, TestContext.Current.CancellationToken);
        await cache.RemoveAsync(Key, TestContext.Current.CancellationToken);

        Assert.Equal(["set", "refresh", "refresh", "remove", "set", "remove"], _inner.Operations.Select(o => o.Operation));
        Assert.All(_inner.Operations, o => Assert.Equal(Key, o.Key));
        Assert.Null(_inner.Raw(Key));
    }

    [Fact]
    public async Task NullArguments_Throw()
    {
        var cache = Create();

        Assert.Throws<ArgumentNullException>(() => cache.Get(null!));
        Assert.Throws<ArgumentNullException>(() => cache.Set(null!, [], Lifetime));
        Assert.Throws<ArgumentNullException>(() => cache.Set(Key, null!, Lifetime));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetAsync(null!, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync(Key, null!, Lifetime, TestContext.Current.CancellationToken));
    }
}
