using System.Buffers;
using HttpCaching.PostgreSql.Internal;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>What the contract cannot see: the schema, its migration, the sweep, the clock, timeouts and logging.</summary>
public sealed class PostgreSqlCacheStoreTests : IAsyncDisposable
{
    private readonly PostgreSqlServerFixture _server;
    private readonly PostgreSqlStores _stores;
    private readonly FakeTimeProvider _time = new(TestClock.Start);

    public PostgreSqlCacheStoreTests(PostgreSqlServerFixture server)
    {
        _server = server;
        _stores = new PostgreSqlStores(() => server.ConnectionString);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FirstOperation_CreatesSchemaTableAndOneVersionRow()
    {
        _server.EnsureAvailable();
        var schema = NewSchemaName();
        var cache = _stores.Create(_time, o => o.SchemaName = schema);
        Assert.False(await SchemaExistsAsync(schema));

        Assert.Null(await cache.GetAsync("key", Ct));

        Assert.True(await SchemaExistsAsync(schema));
        Assert.Equal(0L, await _stores.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".\"{_stores.TableName}\""));
        Assert.Equal(SchemaMigrator.LatestVersion, await VersionRowsAsync(schema));
        Assert.Equal(SchemaMigrator.LatestVersion, await _stores.ScalarAsync<int>(
            $"SELECT max(version) FROM \"{schema}\".httpcaching_migrations WHERE table_name = $1", _stores.TableName));
        Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.MigratedId);
    }

    [Fact]
    public async Task FirstOperations_TwoProvidersAtOnce_MigrateOnceWithoutError()
    {
        _server.EnsureAvailable();
        var schema = NewSchemaName();
        var first = _stores.Create(_time, o => o.SchemaName = schema);
        var second = _stores.Create(_time, o => o.SchemaName = schema);

        await Task.WhenAll(
            Task.Run(() => first.SetAsync("a", [1], Absolute(TimeSpan.FromMinutes(5)), Ct), Ct),
            Task.Run(() => second.SetAsync("b", [2], Absolute(TimeSpan.FromMinutes(5)), Ct), Ct));

        Assert.Equal(SchemaMigrator.LatestVersion, await VersionRowsAsync(schema));
        Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.MigratedId);
        Assert.Equal([2], await first.GetAsync("b", Ct));
        Assert.Equal([1], await second.GetAsync("a", Ct));
    }

    [Fact]
    public async Task FirstOperations_ManyTablesInOneNewSchemaAtOnce_AllSucceed()
    {
        _server.EnsureAvailable();
        var schema = NewSchemaName();
        var caches = Enumerable.Range(0, 4)
            .Select(i => _stores.Create(_time, o => (o.SchemaName, o.TableName) = (schema, $"table_{i}")))
            .ToArray();

        await Task.WhenAll(caches.Select(cache => Task.Run(() => cache.RefreshAsync("k", Ct), Ct)));

        Assert.Equal(4L * SchemaMigrator.LatestVersion, await _stores.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".httpcaching_migrations"));
    }

    [Fact]
    public async Task FirstOperation_TableAlreadyAtCurrentVersion_DoesNotMigrateAgain()
    {
        _server.EnsureAvailable();
        await _stores.Create(_time).RemoveAsync("k", Ct);

        await _stores.Create(_time).RemoveAsync("k", Ct);

        Assert.Equal(SchemaMigrator.LatestVersion, await VersionRowsAsync("httpcaching"));
        Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.MigratedId);
    }

    [Fact]
    public async Task FirstOperation_TableAtANewerVersion_WarnsAndWorks()
    {
        _server.EnsureAvailable();
        await _stores.Create(_time).RemoveAsync("k", Ct);
        await _stores.ScalarAsync<object>("INSERT INTO httpcaching.httpcaching_migrations (table_name, version) VALUES ($1, 99)", _stores.TableName);

        var cache = _stores.Create(_time);
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(1)), Ct);

        Assert.Equal([1], await cache.GetAsync("k", Ct));
        var warning = Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.NewerSchemaId);
        Assert.Contains("99", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaAndTableNames_AreConfigurableAndKeepTheirCase()
    {
        _server.EnsureAvailable();
        var schema = "Cache_" + Guid.NewGuid().ToString("N")[..8];
        var cache = _stores.Create(_time, o => (o.SchemaName, o.TableName) = (schema, "Entries"));

        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(1)), Ct);

        Assert.Equal(1L, await _stores.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".\"Entries\" WHERE cache_key = 'k'"));
        Assert.Equal(1L, await _stores.ScalarAsync<long>(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'Entries'", schema));
    }

    [Fact]
    public async Task Row_HoldsTheKeyItsHashAndTheLifetime()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time);
        var now = _time.GetUtcNow();

        await cache.SetAsync("httpcaching:feeds:e:abc", [1, 2], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromDays(2),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(3),
        }, Ct);

        Assert.Equal(32, await _stores.ScalarAsync<int>($"SELECT octet_length(key_hash) FROM httpcaching.{_stores.TableName}"));
        Assert.Equal("httpcaching:feeds:e:abc", await _stores.ScalarAsync<string>($"SELECT cache_key FROM httpcaching.{_stores.TableName}"));
        Assert.Equal((now + TimeSpan.FromDays(2)).UtcDateTime, await _stores.ScalarAsync<DateTime>($"SELECT expires_at FROM httpcaching.{_stores.TableName}"));
        Assert.Equal((now + TimeSpan.FromDays(3)).UtcDateTime, await _stores.ScalarAsync<DateTime>($"SELECT absolute_expiration FROM httpcaching.{_stores.TableName}"));

        // A pure duration: 48 hours, not "2 days", which a session time zone with daylight saving would stretch.
        Assert.Equal("48:00:00", await _stores.ScalarAsync<string>($"SELECT sliding_expiration::text FROM httpcaching.{_stores.TableName}"));
    }

    [Fact]
    public async Task ExpiredRow_IsNeverReturnedBeforeTheSweepDeletesIt()
    {
        _server.EnsureAvailable();
        var cache = (IBufferDistributedCache)_stores.Create(_time, o => o.ExpiredItemsDeletionInterval = Timeout.InfiniteTimeSpan);
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(1)), Ct);

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(await cache.GetAsync("k", Ct));
        Assert.Null(cache.Get("k"));
        Assert.False(await cache.TryGetAsync("k", new ArrayBufferWriter<byte>(), Ct));
        await cache.RefreshAsync("k", Ct);
        Assert.Null(await cache.GetAsync("k", Ct));
        Assert.Equal(1L, await RowCountAsync());
    }

    [Theory]
    [InlineData(1990)]
    [InlineData(2200)]
    public async Task Expiry_FollowsTheApplicationClock_NotTheServerClock(int year)
    {
        _server.EnsureAvailable();
        var time = new FakeTimeProvider(new DateTimeOffset(year, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var cache = _stores.Create(time);
        await cache.SetAsync("absolute", [1], Absolute(TimeSpan.FromHours(1)), Ct);
        await cache.SetAsync("sliding", [2], Sliding(TimeSpan.FromHours(1)), Ct);

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal([1], await cache.GetAsync("absolute", Ct));
        Assert.Equal([2], await cache.GetAsync("sliding", Ct));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("absolute", Ct));
        Assert.Equal([2], await cache.GetAsync("sliding", Ct));
    }

    [Fact]
    public async Task SetAsync_WithNoExpiration_SlidesByTheDefault()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.DefaultSlidingExpiration = TimeSpan.FromMinutes(20));
        await cache.SetAsync("k", [1], new DistributedCacheEntryOptions(), Ct);

        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal([1], await cache.GetAsync("k", Ct));
        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal([1], await cache.GetAsync("k", Ct));

        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Null(await cache.GetAsync("k", Ct));
    }

    [Fact]
    public async Task SlidingRead_WithinASecondOfTheLastOne_DoesNotRewriteTheRow()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time);
        await cache.SetAsync("k", [1], Sliding(TimeSpan.FromMinutes(10)), Ct);
        var written = await _stores.ScalarAsync<DateTime>($"SELECT expires_at FROM httpcaching.{_stores.TableName}");

        _time.Advance(TimeSpan.FromMilliseconds(999));
        await cache.GetAsync("k", Ct);
        Assert.Equal(written, await _stores.ScalarAsync<DateTime>($"SELECT expires_at FROM httpcaching.{_stores.TableName}"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await cache.GetAsync("k", Ct);
        Assert.Equal(written.AddSeconds(1), await _stores.ScalarAsync<DateTime>($"SELECT expires_at FROM httpcaching.{_stores.TableName}"));
    }

    [Fact]
    public async Task DeleteExpiredItems_DeletesInBatchesAndKeepsLiveRows()
    {
        _server.EnsureAvailable();
        var store = _stores.CreateStore(_time, o => (o.DeleteBatchSize, o.ExpiredItemsDeletionInterval) = (10, Timeout.InfiniteTimeSpan));
        for (var i = 0; i < 35; i++)
        {
            await store.SetAsync($"expired:{i}", [1], Absolute(TimeSpan.FromMinutes(1)), Ct);
        }

        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"live:{i}", [2], Absolute(TimeSpan.FromHours(1)), Ct);
            await store.SetAsync($"sliding:{i}", [3], Sliding(TimeSpan.FromMinutes(10)), Ct);
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await store.DeleteExpiredItemsAsync(Ct);

        Assert.Equal((35L, 4, 0L), (result.Deleted, result.Batches, result.Evicted));
        Assert.Equal(10L, await RowCountAsync());
        Assert.Equal([2], await store.GetAsync("live:4", Ct));
        Assert.Equal([3], await store.GetAsync("sliding:4", Ct));
        Assert.Equal(new SweepResult(0, 1, 0, 0, 0, 10, 10), await store.DeleteExpiredItemsAsync(Ct));
    }

    [Fact]
    public async Task Sweep_RunsEveryInterval_OnceTheTableExists()
    {
        _server.EnsureAvailable();
        var schema = NewSchemaName();
        var store = _stores.CreateStore(_time, o => (o.SchemaName, o.ExpiredItemsDeletionInterval) = (schema, TimeSpan.FromMinutes(1)));

        // Before the first operation the timer touches nothing, not even to create the table.
        _time.Advance(TimeSpan.FromMinutes(1));
        await store.CurrentSweep;
        Assert.False(await SchemaExistsAsync(schema));

        await store.SetAsync("short", [1], Absolute(TimeSpan.FromSeconds(30)), Ct);
        await store.SetAsync("long", [2], Absolute(TimeSpan.FromMinutes(5)), Ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        await store.CurrentSweep;

        Assert.Equal(1L, await _stores.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".\"{_stores.TableName}\""));
        var deleted = Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.ExpiredItemsDeletedId);
        Assert.Contains("deleted 1 expired rows", deleted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_Disabled_CreatesNoTimer()
    {
        _server.EnsureAvailable();

        var timers = new TimerWatchingTimeProvider(_time);

        _stores.Create(timers, o => o.ExpiredItemsDeletionInterval = Timeout.InfiniteTimeSpan);

        Assert.Equal(0, timers.TimersCreated);
    }

    [Fact]
    public async Task Dispose_StopsTheSweepTimer()
    {
        _server.EnsureAvailable();
        var timers = new TimerWatchingTimeProvider(_time);
        var provider = _stores.CreateProvider(timers);
        provider.GetRequiredService<IDistributedCache>();
        Assert.Equal(1, timers.ActiveTimers);

        await provider.DisposeAsync();

        Assert.Equal(0, timers.ActiveTimers);
    }

    [Fact]
    public async Task Command_BlockedByALock_FailsWithinTheCommandTimeout()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.CommandTimeout = TimeSpan.FromSeconds(1));
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(5)), Ct);
        await using var blocker = await LockTableAsync();

        var error = await Assert.ThrowsAsync<NpgsqlException>(() => cache.GetAsync("k", Ct));

        Assert.IsType<TimeoutException>(error.InnerException);
    }

    [Fact]
    public async Task Command_BlockedByALock_StopsWhenTheTokenIsCancelled()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.CommandTimeout = TimeSpan.FromMinutes(5));
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(5)), Ct);
        await using var blocker = await LockTableAsync();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("k", [2], Absolute(TimeSpan.FromMinutes(5)), cancellation.Token));
    }

    [Fact]
    public async Task Operations_WithACancelledToken_Throw()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync("k", cancelled.Token));
        await cache.RemoveAsync("k", Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(1)), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RefreshAsync("k", cancelled.Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Key_ThatPostgreSqlTextCannotHold_ThrowsArgumentException(int index)
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time);
        var key = new[] { "a\0b", "\ud800", "x\udc00y" }[index];

        await Assert.ThrowsAsync<ArgumentException>(() => cache.GetAsync(key, Ct));
        Assert.Throws<ArgumentException>(() => cache.Set(key, [1], Absolute(TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public async Task Logs_NeverHoldTheConnectionStringOrPassword()
    {
        _server.EnsureAvailable();
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var connectionString = new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Password = password }.ConnectionString;
        var store = _stores.CreateStore(_time, o => o.ExpiredItemsDeletionInterval = TimeSpan.FromMinutes(1), connectionString);

        await store.SetAsync("k", [1], Absolute(TimeSpan.FromSeconds(10)), Ct);
        await store.GetAsync("k", Ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        await store.CurrentSweep;

        // And a store that cannot connect at all: its error is logged by nobody but must not carry the password either.
        var unreachable = new NpgsqlConnectionStringBuilder(connectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        var broken = _stores.Create(_time, connection: unreachable);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => broken.GetAsync("k", Ct));

        Assert.NotEmpty(_stores.Logs.GetSnapshot());
        Assert.Contains(_stores.Logs.GetSnapshot(), e => e.Category?.StartsWith("Npgsql", StringComparison.Ordinal) == true);

        // Not in a message, a structured value (which a sink writes on its own), a scope or an exception.
        _stores.Logs.GetSnapshot().AssertNoneContains(StringComparison.Ordinal, password);
        _stores.Logs.GetSnapshot().AssertNoneContains(StringComparison.OrdinalIgnoreCase, connectionString);
        Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigureDataSource_IsAppliedBeforeTheDataSourceIsBuilt()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.ConfigureDataSource = builder => builder.ConnectionStringBuilder.ApplicationName = "configured-by-test");
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(1)), Ct);

        Assert.True(await _stores.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'configured-by-test')"));
    }

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    private static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };

    private static DistributedCacheEntryOptions Sliding(TimeSpan window) => new() { SlidingExpiration = window };

    private static string NewSchemaName() => "s_" + Guid.NewGuid().ToString("N");

    private async Task<bool> SchemaExistsAsync(string schema) =>
        await _stores.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", schema);

    private async Task<int> VersionRowsAsync(string schema) => (int)await _stores.ScalarAsync<long>(
        $"SELECT count(*) FROM \"{schema}\".httpcaching_migrations WHERE table_name = $1", _stores.TableName);

    private Task<long> RowCountAsync() => _stores.ScalarAsync<long>($"SELECT count(*) FROM httpcaching.\"{_stores.TableName}\"");

    /// <summary>Holds an exclusive lock on the test's table until disposed, as a long migration or a stuck DBA would.</summary>
    private async Task<NpgsqlConnection> LockTableAsync()
    {
        var connection = new NpgsqlConnection(_stores.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"BEGIN; LOCK TABLE httpcaching.\"{_stores.TableName}\" IN ACCESS EXCLUSIVE MODE", connection);
        await command.ExecuteNonQueryAsync(Ct);
        return connection;
    }
}
