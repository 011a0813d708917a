using System.Data;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using static HttpCaching.Benchmarks.Setup;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// Where the time of one store read goes, on a small row (an entry-sized record with an absolute expiration, as
/// HttpCaching writes entry records): the plain SELECT by primary key, the same SELECT with the store's WHERE clause,
/// the store's own statement (the sliding-expiration UPDATE in a CTE, then the SELECT) sent raw, and the store's
/// <see cref="IDistributedCache.GetAsync"/>; each once as the store runs today (unprepared) and once with Npgsql's
/// automatic preparation (<c>Max Auto Prepare</c> in the connection string).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PostgreSqlBenchmarkConfig))]
public class PostgreSqlReadBreakdownBenchmark
{
    private const string AutoPreparedStore = "auto-prepared";
    private const string Key = "httpcaching:pg-breakdown:e:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private BenchmarkDatabase? _database;
    private ServiceProvider? _services;
    private NpgsqlDataSource? _autoPrepared;
    private IDistributedCache _store = null!;
    private IDistributedCache _autoPreparedStore = null!;
    private NpgsqlDataSource _dataSource = null!;
    private string _selectSql = null!;
    private string _selectStoreWhereSql = null!;
    private string _storeSql = null!;
    private byte[] _keyHash = null!;
    private int _recordLength;

    [GlobalSetup]
    public void GlobalSetup() => SetUpAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void GlobalCleanup() => CleanUpAsync().GetAwaiter().GetResult();

    /// <summary><c>SELECT value FROM t WHERE key_hash = $1</c>: the baseline.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> RawSelect() => SelectAsync(_dataSource, _selectSql, storeParameters: false);

    /// <summary>The SELECT with the store's WHERE clause: <c>key_hash = $1 AND cache_key = $2 AND expires_at &gt; $3</c>.</summary>
    [Benchmark]
    public Task<int> RawSelectStoreWhere() => SelectAsync(_dataSource, _selectStoreWhereSql, storeParameters: true);

    /// <summary>The store's read statement (<c>WITH slide AS (UPDATE …) SELECT …</c>), sent raw.</summary>
    [Benchmark]
    public Task<int> RawStoreStatement() => SelectAsync(_dataSource, _storeSql, storeParameters: true);

    /// <summary>The store's <see cref="IDistributedCache.GetAsync"/>: key hashing, the statement above, the value.</summary>
    [Benchmark]
    public async Task<int> StoreGet() => (await _store.GetAsync(Key).ConfigureAwait(false))!.Length;

    /// <summary>As <see cref="RawSelect"/>, on a data source with <c>Max Auto Prepare</c>.</summary>
    [Benchmark]
    public Task<int> RawSelectAutoPrepared() => SelectAsync(_autoPrepared!, _selectSql, storeParameters: false);

    /// <summary>As <see cref="RawSelectStoreWhere"/>, on a data source with <c>Max Auto Prepare</c>.</summary>
    [Benchmark]
    public Task<int> RawSelectStoreWhereAutoPrepared() => SelectAsync(_autoPrepared!, _selectStoreWhereSql, storeParameters: true);

    /// <summary>As <see cref="RawStoreStatement"/>, on a data source with <c>Max Auto Prepare</c>.</summary>
    [Benchmark]
    public Task<int> RawStoreStatementAutoPrepared() => SelectAsync(_autoPrepared!, _storeSql, storeParameters: true);

    /// <summary>As <see cref="StoreGet"/>, on a store whose connection string sets <c>Max Auto Prepare</c>.</summary>
    [Benchmark]
    public async Task<int> StoreGetAutoPrepared() => (await _autoPreparedStore.GetAsync(Key).ConfigureAwait(false))!.Length;

    private async Task<int> SelectAsync(NpgsqlDataSource dataSource, string sql, bool storeParameters)
    {
        var command = dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = _keyHash, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (storeParameters)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Key, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            }

            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                // The value is the last column: the store's statement reads a flag before it.
                return await reader.ReadAsync().ConfigureAwait(false)
                    ? (await reader.GetFieldValueAsync<byte[]>(reader.FieldCount - 1).ConfigureAwait(false)).Length
                    : throw new InvalidOperationException("The row is gone.");
            }
        }
    }

    private async Task SetUpAsync()
    {
        var database = _database = await BenchmarkDatabase.StartAsync().ConfigureAwait(false);
        _dataSource = database.DataSource;
        var autoPreparedConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxAutoPrepare = 16 }.ConnectionString;
        _autoPrepared = new NpgsqlDataSourceBuilder(autoPreparedConnectionString).Build();

        var services = new ServiceCollection();
        services.AddPostgreSqlHttpCache(o =>
        {
            o.ConnectionString = database.ConnectionString;
            o.TableName = database.TableName;
        });
        services.AddKeyedPostgreSqlHttpCache(AutoPreparedStore, o =>
        {
            o.ConnectionString = autoPreparedConnectionString;
            o.TableName = database.TableName;
        });
        _services = services.BuildServiceProvider();
        _store = _services.GetRequiredService<IDistributedCache>();
        _autoPreparedStore = _services.GetRequiredKeyedService<IDistributedCache>(AutoPreparedStore);

        // An entry-sized record, written as HttpCaching writes entry records (absolute expiration).
        var record = CreateBody(400);
        await _store.SetAsync(Key, record, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) }).ConfigureAwait(false);
        _recordLength = record.Length;

        var table = database.QualifiedTable;
        _selectSql = $"SELECT value FROM {table} WHERE key_hash = $1";
        _selectStoreWhereSql = $"SELECT value FROM {table} WHERE key_hash = $1 AND cache_key = $2 AND expires_at > $3";
        _storeSql = StoreReadStatement(_store);
        Check(_storeSql.Contains(table, StringComparison.Ordinal), "the store's statement names another table");
        _keyHash = (await database.ReadRowsAsync().ConfigureAwait(false)).Single().KeyHash;

        // Every case reads the same record; the automatic preparation starts after a few uses, during warm-up.
        foreach (var read in new Func<Task<int>>[] { RawSelect, RawSelectStoreWhere, RawStoreStatement, StoreGet, RawSelectAutoPrepared, RawSelectStoreWhereAutoPrepared, RawStoreStatementAutoPrepared, StoreGetAutoPrepared })
        {
            var length = await read().ConfigureAwait(false);
            Check(length == _recordLength, $"{read.Method.Name} read {length} bytes instead of {_recordLength}");
        }
    }

    private async Task CleanUpAsync()
    {
        if (_autoPrepared is not null)
        {
            await _autoPrepared.DisposeAsync().ConfigureAwait(false);
            _autoPrepared = null;
        }

        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
            _services = null;
        }

        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
            _database = null;
        }
    }

    /// <summary>
    /// The statement the store reads with, taken from the store itself (its internal <c>CacheTable.Get</c>; the
    /// benchmarks have no access to the PostgreSQL project's internals), so the raw case never drifts from it.
    /// </summary>
    private static string StoreReadStatement(IDistributedCache store)
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var table = store.GetType().GetProperty("Table", Flags)?.GetValue(store);
        return table?.GetType().GetProperty("Get", Flags)?.GetValue(table) as string
            ?? throw new InvalidOperationException($"{store.GetType().Name} no longer exposes Table.Get: update {nameof(PostgreSqlReadBreakdownBenchmark)}.");
    }
}
