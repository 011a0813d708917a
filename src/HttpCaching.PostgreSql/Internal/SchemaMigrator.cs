using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// Creates and migrates a cache table on first use, in one transaction under a transaction-level advisory lock on the
/// schema, so any number of instances can start at once: one migrates, the others wait and then find the work done.
/// The versions applied to each table are rows of <see cref="CacheTable.MigrationsTableName"/> in the same schema.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>Every schema version, in order. Append only; never edit a released step.</summary>
    private static readonly Migration[] Migrations =
    [
        new(1, static t =>
        [
            $"""
            CREATE TABLE {t.QualifiedTable} (
                key_hash bytea NOT NULL PRIMARY KEY,
                cache_key text NOT NULL,
                value bytea NOT NULL,
                expires_at timestamptz NOT NULL,
                sliding_expiration interval,
                absolute_expiration timestamptz
            )
            """,
            $"CREATE INDEX ON {t.QualifiedTable} (expires_at)",
        ]),

        // The size bound: when each row was last used, and its value's length, in one index the sweep reads both the
        // total size (index-only, without touching the heap or TOAST) and the least recently used rows from. Adding a
        // column with a constant default and no rewrite is a catalog change, so this step is quick on a full table;
        // rows from before it read as used at -infinity, the first to go, and their sizes are counted from the
        // values (CacheTable.MeasureSize). Old releases sharing the table during a rollout leave both columns to their defaults.
        new(2, static t =>
        [
            $"ALTER TABLE {t.QualifiedTable} ADD COLUMN accessed_at timestamptz NOT NULL DEFAULT '-infinity'",
            $"ALTER TABLE {t.QualifiedTable} ADD COLUMN value_size integer",
            $"CREATE INDEX ON {t.QualifiedTable} (accessed_at) INCLUDE (value_size)",
        ]),
    ];

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Brings <paramref name="table"/> to <see cref="LatestVersion"/> and returns the version it was at.</summary>
    public static async Task<int> MigrateAsync(
        NpgsqlDataSource dataSource, CacheTable table, int commandTimeoutSeconds, ILogger logger, bool async, CancellationToken cancellationToken)
    {
        var connection = async
            ? await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false)
            : dataSource.OpenConnection();
        await using (connection.ConfigureAwait(false))
        {
            var transaction = async
                ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                : connection.BeginTransaction();
            await using (transaction.ConfigureAwait(false))
            {
                async Task<object?> ScalarAsync(string sql, params object[] parameters)
                {
                    var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = commandTimeoutSeconds };
                    await using (command.ConfigureAwait(false))
                    {
                        foreach (var parameter in parameters)
                        {
                            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
                        }

                        return async
                            ? await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
                            : command.ExecuteScalar();
                    }
                }

                // Released at commit or rollback, so a crashed instance never leaves it held.
                await ScalarAsync("SELECT pg_advisory_xact_lock($1)", LockKey(table.SchemaName)).ConfigureAwait(false);

                var current = 0;
                if (await ScalarAsync("SELECT to_regclass($1) IS NOT NULL", table.QualifiedMigrationsTable).ConfigureAwait(false) is true)
                {
                    current = (int)(await ScalarAsync(
                        $"SELECT COALESCE(MAX(version), 0) FROM {table.QualifiedMigrationsTable} WHERE table_name = $1",
                        table.TableName).ConfigureAwait(false))!;
                }

                if (current > LatestVersion)
                {
                    PostgreSqlCacheStore.Log.NewerSchema(logger, table.SchemaName, table.TableName, current, LatestVersion);
                }
                else if (current < LatestVersion)
                {
                    // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the right to create schemas.
                    if (await ScalarAsync("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", table.SchemaName).ConfigureAwait(false) is false)
                    {
                        await ScalarAsync($"CREATE SCHEMA {table.QuotedSchema}").ConfigureAwait(false);
                    }

                    await ScalarAsync($"""
                        CREATE TABLE IF NOT EXISTS {table.QualifiedMigrationsTable} (
                            table_name text NOT NULL,
                            version integer NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now(),
                            PRIMARY KEY (table_name, version)
                        )
                        """).ConfigureAwait(false);

                    foreach (var migration in Migrations)
                    {
                        if (migration.Version <= current)
                        {
                            continue;
                        }

                        foreach (var statement in migration.Statements(table))
                        {
                            await ScalarAsync(statement).ConfigureAwait(false);
                        }

                        await ScalarAsync(
                            $"INSERT INTO {table.QualifiedMigrationsTable} (table_name, version) VALUES ($1, $2)",
                            table.TableName, migration.Version).ConfigureAwait(false);
                    }
                }

                if (async)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    transaction.Commit();
                }

                if (current < LatestVersion)
                {
                    PostgreSqlCacheStore.Log.Migrated(logger, table.SchemaName, table.TableName, current, LatestVersion);
                }

                return current;
            }
        }
    }

    /// <summary>
    /// The advisory lock of a schema: stable across processes and releases (never <see cref="string.GetHashCode()"/>),
    /// and per schema because creating the schema and the migrations table must not race either.
    /// </summary>
    internal static long LockKey(string schemaName) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("HttpCaching.PostgreSql/" + schemaName)));
}
