using Npgsql;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// The server one benchmark case runs against: a throwaway cluster started from the local binaries (stopped and
/// deleted on disposal), or the external server of <see cref="PostgreSqlBinaries.ExternalServerVariable"/>. Each case
/// works in a table of its own, dropped on disposal, so an external server keeps nothing of a run.
/// </summary>
public sealed class BenchmarkDatabase : IAsyncDisposable
{
    private readonly PostgreSqlServer? _server;

    private BenchmarkDatabase(PostgreSqlServer? server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
        var options = new PostgreSqlHttpCacheOptions();
        SchemaName = options.SchemaName;
        TableName = $"bench_{Guid.NewGuid():N}";
        QualifiedTable = $"\"{SchemaName}\".\"{TableName}\"";
        DataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
    }

    public string ConnectionString { get; }

    /// <summary>The store's default schema.</summary>
    public string SchemaName { get; }

    /// <summary>A table name of this case's own, for <see cref="PostgreSqlHttpCacheOptions.TableName"/>.</summary>
    public string TableName { get; }

    /// <summary>The table's quoted, schema-qualified name, for raw SQL.</summary>
    public string QualifiedTable { get; }

    /// <summary>A pooled data source on the same connection string as the store, for the raw SELECTs.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<BenchmarkDatabase> StartAsync()
    {
        if (PostgreSqlBinaries.ExternalServer is { } external)
        {
            return new BenchmarkDatabase(null, external);
        }

        var binaries = PostgreSqlBinaries.Find(out var reason)
            ?? throw new InvalidOperationException($"The PostgreSQL benchmarks cannot run: {reason}");
        var server = await PostgreSqlServer.StartNewAsync(binaries).ConfigureAwait(false);
        return new BenchmarkDatabase(server, server.ConnectionString);
    }

    /// <summary>Keys, hashes and sizes of the table's rows.</summary>
    public async Task<List<(byte[] KeyHash, string Key, int Length)>> ReadRowsAsync()
    {
        var rows = new List<(byte[] KeyHash, string Key, int Length)>();
        var command = DataSource.CreateCommand($"SELECT key_hash, cache_key, octet_length(value) FROM {QualifiedTable}");
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    rows.Add((reader.GetFieldValue<byte[]>(0), reader.GetString(1), reader.GetInt32(2)));
                }
            }
        }

        return rows;
    }

    /// <summary>Deletes the rows whose key is LIKE <paramref name="keyPattern"/>; returns how many there were.</summary>
    public async Task<int> DeleteRowsAsync(string keyPattern)
    {
        var command = DataSource.CreateCommand($"DELETE FROM {QualifiedTable} WHERE cache_key LIKE $1");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = keyPattern });
            return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_server is null)
            {
                var command = DataSource.CreateCommand($"DROP TABLE IF EXISTS {QualifiedTable}");
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
            if (_server is not null)
            {
                await _server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
