using System.Data;
using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using static HttpCaching.Benchmarks.Setup;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// A fresh hit through the PostgreSQL store, with and without the near cache, next to raw Npgsql SELECTs of the same
/// rows on the same server. Every hit sends a new request through an <see cref="HttpMessageInvoker"/> over the named
/// client's handler chain, as <c>IHttpMessageHandlerFactory</c> builds it, reads the whole body and disposes the
/// response. Each case gets a throwaway server of its own (127.0.0.1, a free port), started in
/// <see cref="GlobalSetup"/> and stopped in <see cref="GlobalCleanup"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PostgreSqlHitBenchmarkConfig))]
public class PostgreSqlHitBenchmark
{
    private const string NoNearClient = "pg-no-near";
    private const string NearWithinClient = "pg-near-within";
    private const string NearAfterClient = "pg-near-after";

    private readonly Dictionary<string, NoRemoteCallHandler> _origins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HttpMessageInvoker> _invokers = new(StringComparer.Ordinal);
    private readonly Uri _uri = new("https://api.bench.invalid/v1/items/42");

    private BenchmarkDatabase? _database;
    private ServiceProvider? _services;
    private NpgsqlDataSource _dataSource = null!;
    private string _selectSql = null!;
    private byte[] _entryKeyHash = null!;
    private byte[] _bodyKeyHash = null!;
    private HttpMessageInvoker _noNear = null!;
    private HttpMessageInvoker _nearWithin = null!;
    private HttpMessageInvoker _nearAfter = null!;

    /// <summary>The size of the response body, in bytes.</summary>
    [Params(2048, 51200)]
    public int BodySize { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => SetUpAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void GlobalCleanup() => CleanUpAsync().GetAwaiter().GetResult();

    /// <summary>One SELECT of the body record by its primary key, through a pooled data source: the baseline.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> RawSelectBody() => SelectAsync(_bodyKeyHash);

    /// <summary>The two SELECTs a hit without the near cache needs, one after the other: entry record, then body record.</summary>
    [Benchmark]
    public async Task<int> RawSelectEntryAndBody() =>
        await SelectAsync(_entryKeyHash).ConfigureAwait(false) + await SelectAsync(_bodyKeyHash).ConfigureAwait(false);

    /// <summary>One SELECT of a small row: the entry record (a few hundred bytes).</summary>
    [Benchmark]
    public Task<int> RawSelectSmallRow() => SelectAsync(_entryKeyHash);

    /// <summary>A hit with <c>NearCacheSizeLimit = 0</c>: both records read from PostgreSQL on every request.</summary>
    [Benchmark]
    public Task<int> HitWithoutNearCache() => SendAsync(_noNear);

    /// <summary>A hit within the near cache's window: entry and body from memory, no store read.</summary>
    [Benchmark]
    public Task<int> HitWithNearCacheWithinWindow() => SendAsync(_nearWithin);

    /// <summary>A hit with <c>NearCacheEntryDuration = 0</c>: the entry record read from PostgreSQL, the body from memory.</summary>
    [Benchmark]
    public Task<int> HitWithNearCacheAfterWindow() => SendAsync(_nearAfter);

    private async Task<int> SendAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return body.Length;
    }

    private async Task<int> SelectAsync(byte[] keyHash)
    {
        var value = await SelectValueAsync(keyHash).ConfigureAwait(false);
        return value.Length;
    }

    /// <summary>The value of one row, read as the store reads it (sequential access, one byte array), with plain SQL.</summary>
    private async Task<byte[]> SelectValueAsync(byte[] keyHash)
    {
        var command = _dataSource.CreateCommand(_selectSql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = keyHash, NpgsqlDbType = NpgsqlDbType.Bytea });
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync().ConfigureAwait(false)
                    ? await reader.GetFieldValueAsync<byte[]>(0).ConfigureAwait(false)
                    : throw new InvalidOperationException("The row is gone.");
            }
        }
    }

    private async Task SetUpAsync()
    {
        var database = _database = await BenchmarkDatabase.StartAsync().ConfigureAwait(false);
        _dataSource = database.DataSource;
        _selectSql = $"SELECT value FROM {database.QualifiedTable} WHERE key_hash = $1";

        var body = CreateBody(BodySize);
        _origins.Clear();
        foreach (var client in new[] { NoNearClient, NearWithinClient, NearAfterClient })
        {
            _origins[client] = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        }

        var services = new ServiceCollection();
        services.AddPostgreSqlHttpCache(o =>
        {
            o.ConnectionString = database.ConnectionString;
            o.TableName = database.TableName;
        });

        // The same pipeline for every client: no logging handlers, and handlers that never expire, so that each origin
        // stub stays the one built here. Every entry stays fresh for the whole run (MinimumFreshness = 1 day).
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers().SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        services.AddHttpClient(NoNearClient)
            .AddThirdPartyCaching(o =>
            {
                o.MinimumFreshness = TimeSpan.FromDays(1);
                o.NearCacheSizeLimit = 0;
            })
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NoNearClient]);
        services.AddHttpClient(NearWithinClient)
            .AddThirdPartyCaching(o =>
            {
                o.MinimumFreshness = TimeSpan.FromDays(1);
                o.NearCacheEntryDuration = TimeSpan.FromDays(1);
            })
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NearWithinClient]);
        services.AddHttpClient(NearAfterClient)
            .AddThirdPartyCaching(o =>
            {
                o.MinimumFreshness = TimeSpan.FromDays(1);
                o.NearCacheEntryDuration = TimeSpan.Zero;
            })
            .ConfigurePrimaryHttpMessageHandler(() => _origins[NearAfterClient]);

        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpMessageHandlerFactory>();
        _invokers.Clear();
        foreach (var client in _origins.Keys)
        {
            _invokers[client] = new HttpMessageInvoker(factory.CreateHandler(client), disposeHandler: false);
            await ExpectAsync(client, "; stored").ConfigureAwait(false);
            await ExpectAsync(client, "; hit").ConfigureAwait(false);
        }

        _noNear = _invokers[NoNearClient];
        _nearWithin = _invokers[NearWithinClient];
        _nearAfter = _invokers[NearAfterClient];

        // The raw cases read the rows of the client without a near cache, by the table's primary key.
        var rows = await database.ReadRowsAsync().ConfigureAwait(false);
        var entryRow = Single(rows, NoNearClient, ":e:");
        var bodyRow = Single(rows, NoNearClient, ":b:");
        _entryKeyHash = entryRow.KeyHash;
        _bodyKeyHash = bodyRow.KeyHash;
        Check(bodyRow.Length > BodySize && bodyRow.Length < BodySize + 64, $"the body record holds {bodyRow.Length} bytes for a body of {BodySize}");
        Check(entryRow.Length < 1024, $"the entry record holds {entryRow.Length} bytes");

        // They read exactly what the store returns for those keys.
        var store = _services.GetRequiredService<IDistributedCache>();
        foreach (var row in new[] { entryRow, bodyRow })
        {
            var stored = await store.GetAsync(row.Key).ConfigureAwait(false);
            var selected = await SelectValueAsync(row.KeyHash).ConfigureAwait(false);
            Check(stored is not null && stored.AsSpan().SequenceEqual(selected), $"the raw SELECT of '{row.Key}' differs from the store's read");
        }

        // Prove which records the near-cache cases read: within the window they need no row at all, after it the entry
        // row only. Were they to read a deleted row, they would miss, and the origin would be called a second time.
        var keyPrefix = new ThirdPartyCachingOptions().KeyPrefix;
        Check(await database.DeleteRowsAsync($"{keyPrefix}{NearWithinClient}:%").ConfigureAwait(false) == 2, $"{NearWithinClient} did not have two rows");
        Check(await database.DeleteRowsAsync($"{keyPrefix}{NearAfterClient}:b:%").ConfigureAwait(false) == 1, $"{NearAfterClient} did not have one body row");
        foreach (var client in _origins.Keys)
        {
            await ExpectAsync(client, "; hit").ConfigureAwait(false);
            Check(_origins[client].Calls == 1, $"{client}: the origin was called {_origins[client].Calls} times");
        }
    }

    private async Task CleanUpAsync()
    {
        var calls = NotCalledOnce(_origins);
        await ReleaseAsync(_invokers, _services).ConfigureAwait(false);
        _services = null;

        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
            _database = null;
        }

        ThrowIfAny(calls);
    }

    /// <summary>Sends one request and checks the status, the body and the Cache-Status.</summary>
    private Task ExpectAsync(string client, string expectedCacheStatus) =>
        Setup.ExpectAsync(_invokers[client], _uri, client, BodySize, expectedCacheStatus);

    private static (byte[] KeyHash, string Key, int Length) Single(List<(byte[] KeyHash, string Key, int Length)> rows, string client, string kind)
    {
        var matches = rows.Where(r => r.Key.Contains(client + kind, StringComparison.Ordinal)).ToList();
        Check(matches.Count == 1, $"{matches.Count} '{kind}' rows of {client} instead of one");
        return matches[0];
    }
}
