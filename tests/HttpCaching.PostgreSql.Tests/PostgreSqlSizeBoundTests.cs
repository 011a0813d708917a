using System.Diagnostics.Metrics;
using HttpCaching.PostgreSql.Internal;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The size bound (<see cref="PostgreSqlHttpCacheOptions.MaxSize"/>, <see cref="PostgreSqlHttpCacheOptions.MaxRows"/>)
/// that the sweep enforces after deleting expired rows: how much it evicts, which rows, in what batches, and what it
/// reports. Every store runs its sweep only when the test calls it.
/// </summary>
public sealed class PostgreSqlSizeBoundTests : IAsyncDisposable
{
    private const long MiB = 1L << 20;
    private const int Value32K = 32 * 1024;

    /// <summary>90% of 1 MiB, what a sweep over a 1 MiB bound leaves at most.</summary>
    private const long Target = MiB - (MiB / 10);

    private readonly PostgreSqlServerFixture _server;
    private readonly PostgreSqlStores _stores;
    private readonly FakeTimeProvider _time = new(TestClock.Start);

    public PostgreSqlSizeBoundTests(PostgreSqlServerFixture server)
    {
        _server = server;
        _stores = new PostgreSqlStores(() => server.ConnectionString);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Table => $"httpcaching.\"{_stores.TableName}\"";

    /// <summary>This test's table, as the store's measurements are tagged with it.</summary>
    private (string, object?) TableTag => (PostgreSqlHttpCacheDiagnostics.TableTag, "httpcaching." + _stores.TableName);

    /// <summary>
    /// A store whose meter comes from the <see cref="IMeterFactory"/> of its own service provider, and a way to collect
    /// one of its instruments. A <see cref="MetricCollector{T}"/> follows the first instrument it finds with the name
    /// asked for; a store made without a factory creates a meter of its own in the global scope, like every other
    /// store of the tests running in parallel, so the collector must be scoped to this store's factory.
    /// </summary>
    private (PostgreSqlCacheStore Store, Func<string, MetricCollector<long>> Collect) CreateMeteredStore(Action<PostgreSqlHttpCacheOptions> configure)
    {
        var provider = _stores.CreateProvider(
            _time,
            o =>
            {
                o.ExpiredItemsDeletionInterval = Timeout.InfiniteTimeSpan;
                configure(o);
            },
            metrics: true);
        var store = Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredService<IDistributedCache>());
        var factory = provider.GetRequiredService<IMeterFactory>();
        return (store, instrument => new MetricCollector<long>(factory, PostgreSqlHttpCacheDiagnostics.MeterName, instrument));
    }

    private static (string, object?) Reason(string reason) => (PostgreSqlHttpCacheDiagnostics.SweepReasonTag, reason);

    [Fact]
    public async Task DeleteExpiredItems_OverMaxSize_EvictsToNinetyPercentOfTheBound()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 10));
        await FillAsync(store, "k", 40, Value32K);

        var result = await store.DeleteExpiredItemsAsync(Ct);

        // 40 × 32 KiB = 1.25 MiB; 28 × 32 KiB is the most that fits in 90% of 1 MiB.
        Assert.Equal(new SweepResult(0, 1, 12, 12L * Value32K, 2, 28, 28L * Value32K), result);
        var stored = await _stores.ScalarAsync<long>($"SELECT sum(octet_length(value)) FROM {Table}");
        Assert.Equal(28L * Value32K, stored);
        Assert.True(stored <= Target);
    }

    [Fact]
    public async Task DeleteExpiredItems_OverMaxSize_EvictsTheLeastRecentlyUsedFirst()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => o.MaxSize = MiB);
        await store.SetAsync("absolute", new byte[Value32K], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await FillAsync(store, "k", 40, Value32K);

        // Reads that slide record the use; so does a write. A read of a row with only an absolute expiration does not.
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await store.GetAsync($"k{i}", Ct));
        }

        await store.SetAsync("k5", new byte[Value32K], Sliding, Ct);
        Assert.NotNull(await store.GetAsync("absolute", Ct));

        var result = await store.DeleteExpiredItemsAsync(Ct);

        // 41 rows of 32 KiB, 28 fit: the absolute row and k6…k17 were the least recently used.
        Assert.Equal(13, result.Evicted);
        string[] kept = [.. Enumerable.Range(0, 6).Concat(Enumerable.Range(18, 22)).Select(i => $"k{i}").Order(StringComparer.Ordinal)];
        Assert.Equal(kept, await KeysAsync());
    }

    [Fact]
    public async Task DeleteExpiredItems_OverMaxSize_EvictsInBatchesOfDeleteBatchSize()
    {
        _server.EnsureAvailable();
        var (store, collect) = CreateMeteredStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 10));
        using var deleted = collect(PostgreSqlHttpCacheDiagnostics.SweepDeletedInstrument);
        await FillAsync(store, "k", 80, 16 * 1024);

        var result = await store.DeleteExpiredItemsAsync(Ct);

        // 80 × 16 KiB = 1.25 MiB; 57 fit in 90% of 1 MiB, so 23 go, in statements of at most 10 rows.
        Assert.Equal((23L, 3), (result.Evicted, result.EvictionBatches));
        Assert.Equal([10L, 10L, 3L], deleted.Values(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonSize)));
        Assert.Equal(57L, await RowCountAsync());
    }

    [Fact]
    public async Task DeleteExpiredItems_OverMaxRows_EvictsToNinetyPercentOfIt()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => (o.MaxSize, o.MaxRows) = (null, 20));
        await FillAsync(store, "k", 30, 10);

        var result = await store.DeleteExpiredItemsAsync(Ct);

        Assert.Equal((12L, 120L, 18L), (result.Evicted, result.EvictedBytes, result.Rows));
        string[] kept = [.. Enumerable.Range(12, 18).Select(i => $"k{i}").Order(StringComparer.Ordinal)];
        Assert.Equal(kept, await KeysAsync());
    }

    [Fact]
    public async Task DeleteExpiredItems_BetweenTheHeadroomAndTheBound_EvictsNothing()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => o.MaxSize = MiB);
        await FillAsync(store, "k", 40, Value32K);
        Assert.Equal(12, (await store.DeleteExpiredItemsAsync(Ct)).Evicted);

        // 28 rows left; 32 × 32 KiB is exactly 1 MiB, at the bound but not over it.
        await FillAsync(store, "more", 4, Value32K);
        var result = await store.DeleteExpiredItemsAsync(Ct);

        Assert.Equal(new SweepResult(0, 1, 0, 0, 0, 32, MiB), result);
        Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.EvictedId);
    }

    [Fact]
    public async Task DeleteExpiredItems_Unbounded_EvictsNothingAndStillMeasures()
    {
        _server.EnsureAvailable();
        var (store, collect) = CreateMeteredStore(o => (o.MaxSize, o.MaxRows) = (null, null));
        using var size = collect(PostgreSqlHttpCacheDiagnostics.SizeInstrument);
        using var batches = collect(PostgreSqlHttpCacheDiagnostics.SweepBatchesInstrument);
        await FillAsync(store, "k", 40, Value32K);

        var result = await store.DeleteExpiredItemsAsync(Ct);

        Assert.Equal(new SweepResult(0, 1, 0, 0, 0, 40, 40L * Value32K), result);
        Assert.Equal(40L, await RowCountAsync());
        Assert.Equal(40L * Value32K, size.Observe(TableTag));
        Assert.Empty(batches.Values(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonSize)));
        Assert.DoesNotContain(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.EvictedId);
    }

    [Fact]
    public async Task DeleteExpiredItems_Metrics_ReportExpiredEvictedBatchesAndTheTableSize()
    {
        _server.EnsureAvailable();
        var (store, collect) = CreateMeteredStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 10));
        using var deleted = collect(PostgreSqlHttpCacheDiagnostics.SweepDeletedInstrument);
        using var batches = collect(PostgreSqlHttpCacheDiagnostics.SweepBatchesInstrument);
        using var size = collect(PostgreSqlHttpCacheDiagnostics.SizeInstrument);
        using var rows = collect(PostgreSqlHttpCacheDiagnostics.RowsInstrument);
        Assert.Null(size.Observe(TableTag));
        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"expiring{i}", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) }, Ct);
        }

        await FillAsync(store, "k", 40, Value32K);

        await store.DeleteExpiredItemsAsync(Ct);

        Assert.Equal(5L, deleted.Sum(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonExpired)));
        Assert.Equal(12L, deleted.Sum(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonSize)));
        Assert.Equal(1L, batches.Sum(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonExpired)));
        Assert.Equal(2L, batches.Sum(TableTag, Reason(PostgreSqlHttpCacheDiagnostics.SweepReasonSize)));
        Assert.Equal(28L * Value32K, size.Observe(TableTag));
        Assert.Equal(28L, rows.Observe(TableTag));
    }

    [Fact]
    public async Task Metrics_WithAMeterFactory_AreCreatedThroughIt()
    {
        _server.EnsureAvailable();
        using var factory = new RecordingMeterFactory();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<IMeterFactory>(factory)
            .AddPostgreSqlHttpCache(o => (o.ConnectionString, o.TableName) = (_stores.ConnectionString, _stores.TableName));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IDistributedCache>();

        var meter = Assert.Single(factory.Meters);
        Assert.Equal(PostgreSqlHttpCacheDiagnostics.MeterName, meter.Name);
    }

    [Fact]
    public async Task DeleteExpiredItems_EvictingForSize_LogsOnceAtInformationWithoutKeysOrValues()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 10));
        await FillAsync(store, "secret-key-", 40, Value32K);

        await store.DeleteExpiredItemsAsync(Ct);
        await store.DeleteExpiredItemsAsync(Ct);

        var entry = Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.EvictedId);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains($"held 40 rows with {40 * Value32K} bytes of values", entry.Message, StringComparison.Ordinal);
        Assert.Contains($"evicted the 12 least recently used rows ({12 * Value32K} bytes) in 2 batches", entry.Message, StringComparison.Ordinal);
        _stores.Logs.GetSnapshot().AssertNoneContains(StringComparison.Ordinal, "secret-key-");
    }

    [Fact]
    public async Task DeleteExpiredItems_TwoInstancesAtOnce_EvictTheExcessOnlyOnce()
    {
        _server.EnsureAvailable();
        var first = CreateStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 5));
        var second = CreateStore(o => (o.MaxSize, o.DeleteBatchSize) = (MiB, 5));
        await FillAsync(first, "k", 40, Value32K);

        var results = await Task.WhenAll(
            Task.Run(() => first.DeleteExpiredItemsAsync(Ct), Ct),
            Task.Run(() => second.DeleteExpiredItemsAsync(Ct), Ct));

        // Both take the same cutoff (or the later one finds the table under its bound): never 12 rows each.
        Assert.Equal(12L, results.Sum(r => r.Evicted));
        Assert.Equal(28L, await RowCountAsync());
    }

    [Fact]
    public async Task Migration_FromVersion1_CountsTheOldRowsAndEvictsThemFirst()
    {
        _server.EnsureAvailable();
        var schema = "s_" + Guid.NewGuid().ToString("N");
        var table = $"\"{schema}\".\"{_stores.TableName}\"";

        // The table as version 1 created it, with 20 rows of 32 KiB.
        await _stores.ScalarAsync<object>($"CREATE SCHEMA \"{schema}\"");
        await _stores.ScalarAsync<object>($"""
            CREATE TABLE {table} (
                key_hash bytea NOT NULL PRIMARY KEY, cache_key text NOT NULL, value bytea NOT NULL,
                expires_at timestamptz NOT NULL, sliding_expiration interval, absolute_expiration timestamptz);
            CREATE INDEX ON {table} (expires_at);
            CREATE TABLE "{schema}".httpcaching_migrations (
                table_name text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (table_name, version));
            INSERT INTO "{schema}".httpcaching_migrations (table_name, version) VALUES ('{_stores.TableName}', 1);
            """);
        await _stores.ScalarAsync<object>(
            $"INSERT INTO {table} SELECT sha256(('old' || i)::bytea), 'old' || i, decode(repeat('00', {Value32K}), 'hex'), $1, NULL, $1 FROM generate_series(1, 20) i",
            (_time.GetUtcNow() + TimeSpan.FromDays(1)).UtcDateTime);

        var store = CreateStore(o => (o.SchemaName, o.MaxSize) = (schema, MiB));
        await FillAsync(store, "new", 20, Value32K);
        var result = await store.DeleteExpiredItemsAsync(Ct);

        // Only the old rows' bytes put the table over (40 × 32 KiB), and they count as used before any other: all go.
        Assert.Equal(SchemaMigrator.LatestVersion, await _stores.ScalarAsync<int>(
            $"SELECT max(version) FROM \"{schema}\".httpcaching_migrations WHERE table_name = $1", _stores.TableName));
        Assert.Equal(new SweepResult(0, 1, 20, 20L * Value32K, 1, 20, 20L * Value32K), result);
        Assert.Equal(0L, await _stores.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE cache_key LIKE 'old%'"));
    }

    [Fact]
    public async Task Set_RecordsTheValueSizeAndTheLastUse()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => o.MaxSize = MiB);

        await store.SetAsync("k", new byte[1234], Sliding, Ct);

        Assert.Equal(1234, await _stores.ScalarAsync<int>($"SELECT value_size FROM {Table}"));
        Assert.Equal(_time.GetUtcNow().UtcDateTime, await _stores.ScalarAsync<DateTime>($"SELECT accessed_at FROM {Table}"));
    }

    [Fact]
    public async Task Reads_ThatDoNotSlide_WriteNothing_AndASlideRecordsTheUse()
    {
        _server.EnsureAvailable();
        var store = CreateStore(o => o.MaxSize = MiB);
        await store.SetAsync("absolute", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Ct);
        await store.SetAsync("sliding", [2], Sliding, Ct);
        var versions = await RowVersionsAsync();

        // Within a second a sliding read does not move the row; an absolute row's reads never do.
        _time.Advance(TimeSpan.FromMilliseconds(999));
        await store.GetAsync("absolute", Ct);
        await store.GetAsync("sliding", Ct);
        Assert.Equal(versions, await RowVersionsAsync());

        _time.Advance(TimeSpan.FromMinutes(1));
        await store.GetAsync("absolute", Ct);
        await store.GetAsync("sliding", Ct);

        Assert.Equal(versions["absolute"], (await RowVersionsAsync())["absolute"]);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, await _stores.ScalarAsync<DateTime>($"SELECT accessed_at FROM {Table} WHERE cache_key = 'sliding'"));
    }

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    private static DistributedCacheEntryOptions Sliding => new() { SlidingExpiration = TimeSpan.FromHours(1) };

    private PostgreSqlCacheStore CreateStore(Action<PostgreSqlHttpCacheOptions> configure) =>
        _stores.CreateStore(_time, o =>
        {
            o.ExpiredItemsDeletionInterval = Timeout.InfiniteTimeSpan;
            configure(o);
        });

    /// <summary>Writes <paramref name="count"/> sliding values, one a second, so each is used later than the one before.</summary>
    private async Task FillAsync(PostgreSqlCacheStore store, string prefix, int count, int size)
    {
        for (var i = 0; i < count; i++)
        {
            await store.SetAsync(prefix + i, new byte[size], Sliding, Ct);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private Task<long> RowCountAsync() => _stores.ScalarAsync<long>($"SELECT count(*) FROM {Table}");

    private async Task<string[]> KeysAsync() =>
        (await _stores.ScalarAsync<string[]>($"SELECT array_agg(cache_key ORDER BY cache_key COLLATE \"C\") FROM {Table}"))!;

    /// <summary>Each row's <c>xmin</c>: it changes exactly when the row is written.</summary>
    private async Task<Dictionary<string, string>> RowVersionsAsync() =>
        (await _stores.ScalarAsync<string[]>($"SELECT array_agg(cache_key || '=' || xmin::text) FROM {Table}"))!
            .Select(pair => pair.Split('='))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    private sealed class RecordingMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public IReadOnlyList<Meter> Meters => _meters;

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
