namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The SQL of one cache table, built once from its validated, quoted names. Every statement takes the application's
/// current time as a parameter and never reads the server's clock, so expiry
/// follows the application's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Parameters: <c>$1</c> is the key hash (bytea), <c>$2</c> the key text, <c>$3</c> the current time (timestamptz),
/// except in <see cref="Set"/> and <see cref="DeleteExpired"/>.
/// A sliding row's end of life moves only when it would move by a second or more, so a hot key is not rewritten on
/// every read.
/// </remarks>
internal sealed class CacheTable
{
    /// <summary>The table, in the cache's schema, that records which schema version each cache table is at.</summary>
    public const string MigrationsTableName = "httpcaching_migrations";

    private const string NewEnd = "LEAST($3 + sliding_expiration, COALESCE(absolute_expiration, 'infinity'::timestamptz))";

    private const string Slides = "(sliding_expiration IS NOT NULL AND " + NewEnd + " >= expires_at + interval '1 second')";

    public CacheTable(string schemaName, string tableName)
    {
        SchemaName = schemaName;
        TableName = tableName;
        QuotedSchema = PostgreSqlIdentifier.Quote(schemaName);
        QualifiedTable = $"{QuotedSchema}.{PostgreSqlIdentifier.Quote(tableName)}";
        QualifiedMigrationsTable = $"{QuotedSchema}.{PostgreSqlIdentifier.Quote(MigrationsTableName)}";

        var keyMatches = "key_hash = $1 AND cache_key = $2";
        var live = keyMatches + " AND expires_at > $3";
        var slide = $"UPDATE {QualifiedTable} SET expires_at = {NewEnd} WHERE {live} AND {Slides}";

        // A read is a plain primary-key SELECT that also says whether the row's sliding end of life should move; only
        // then does the store run the UPDATE (Refresh), so entry records and most reads of hot bodies cost one SELECT.
        // The UPDATE rechecks its own WHERE on the latest row version, so a concurrent Set that drops the sliding
        // expiration is never overridden.
        Get = $"SELECT {Slides}, octet_length(value), value FROM {QualifiedTable} WHERE {live}";
        Refresh = slide;
        Remove = $"DELETE FROM {QualifiedTable} WHERE {keyMatches}";
        Set = $"""
            INSERT INTO {QualifiedTable} (key_hash, cache_key, value, expires_at, sliding_expiration, absolute_expiration)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (key_hash) DO UPDATE SET
                cache_key = EXCLUDED.cache_key, value = EXCLUDED.value, expires_at = EXCLUDED.expires_at,
                sliding_expiration = EXCLUDED.sliding_expiration, absolute_expiration = EXCLUDED.absolute_expiration
            """;

        // Rows locked by a concurrent sweep or write are skipped, not waited for; the next batch or sweep gets them.
        DeleteExpired = $"""
            DELETE FROM {QualifiedTable} WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM {QualifiedTable} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
            """;
    }

    public string SchemaName { get; }

    public string TableName { get; }

    public string QuotedSchema { get; }

    public string QualifiedTable { get; }

    public string QualifiedMigrationsTable { get; }

    /// <summary>
    /// Reads the live row of <c>$1</c>/<c>$2</c>: whether it should slide (run <see cref="Refresh"/>), the value's
    /// length, for a buffer sized once, then the value.
    /// </summary>
    public string Get { get; }

    /// <summary>Slides a live row.</summary>
    public string Refresh { get; }

    public string Remove { get; }

    /// <summary>Upserts: <c>$3</c> value, <c>$4</c> expires_at, <c>$5</c> sliding interval, <c>$6</c> absolute expiration.</summary>
    public string Set { get; }

    /// <summary>Deletes up to <c>$2</c> rows that expired at or before <c>$1</c>.</summary>
    public string DeleteExpired { get; }
}
