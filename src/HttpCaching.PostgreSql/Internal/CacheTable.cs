namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The SQL of one cache table, built once from its validated, quoted names. Every statement takes the application's
/// current time as a parameter and never reads the server's clock, so expiry
/// follows the application's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Parameters: <c>$1</c> is the key hash (bytea), <c>$2</c> the key text, <c>$3</c> the current time (timestamptz),
/// except in <see cref="Set"/> and the sweep's statements.
/// A sliding row's end of life moves only when it would move by a second or more, so a hot key is not rewritten on
/// every read.
/// <para>
/// <c>accessed_at</c> is a row's last use, for eviction: set by every write and by the same <c>UPDATE</c> that slides
/// a row, so no read writes anything it did not already write. <c>value_size</c> is the value's length, set by every
/// write; it is <see langword="null"/> only in rows written before schema version 2 (or by an older release during a
/// rollout), which also have <c>accessed_at = '-infinity'</c>.
/// </para>
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
        var slide = $"UPDATE {QualifiedTable} SET expires_at = {NewEnd}, accessed_at = $3 WHERE {live} AND {Slides}";

        // A read is a plain primary-key SELECT that also says whether the row's sliding end of life should move; only
        // then does the store run the UPDATE (Refresh), so entry records and most reads of hot bodies cost one SELECT.
        // The UPDATE rechecks its own WHERE on the latest row version, so a concurrent Set that drops the sliding
        // expiration is never overridden.
        // A value over the store's MaxValueSize ($4) is not sent: its length says why it is read as missing.
        Get = $"SELECT {Slides}, octet_length(value), CASE WHEN octet_length(value) <= $4 THEN value END FROM {QualifiedTable} WHERE {live}";
        Refresh = slide;
        Remove = $"DELETE FROM {QualifiedTable} WHERE {keyMatches}";
        Set = $"""
            INSERT INTO {QualifiedTable} (key_hash, cache_key, value, expires_at, sliding_expiration, absolute_expiration, accessed_at, value_size)
            VALUES ($1, $2, $3, $4, $5, $6, $7, octet_length($3))
            ON CONFLICT (key_hash) DO UPDATE SET
                cache_key = EXCLUDED.cache_key, value = EXCLUDED.value, expires_at = EXCLUDED.expires_at,
                sliding_expiration = EXCLUDED.sliding_expiration, absolute_expiration = EXCLUDED.absolute_expiration,
                accessed_at = EXCLUDED.accessed_at, value_size = EXCLUDED.value_size
            """;

        // Rows locked by a concurrent sweep or write are skipped, not waited for; the next batch or sweep gets them.
        DeleteExpired = $"""
            DELETE FROM {QualifiedTable} WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM {QualifiedTable} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
            """;

        // The measurement and the cutoffs read the (accessed_at) INCLUDE (value_size) index, index-only where the
        // visibility map allows: a few dozen bytes a row, however large the values. The rows from before schema version 2 are added from their
        // values' lengths, which octet_length reads from the TOAST pointer; they are found through the same index.
        MeasureSize = $"""
            SELECT count(*), COALESCE(sum(value_size), 0)::bigint + COALESCE((
                SELECT sum(octet_length(value)) FROM {QualifiedTable}
                WHERE accessed_at = '-infinity' AND value_size IS NULL), 0)::bigint
            FROM {QualifiedTable}
            """;

        // The last use of the newest row that no longer fits: walking from the most recently used, the running sum
        // stops the index scan as soon as it passes the target. Rows from before version 2 count 0 here; they are the
        // oldest, so when only they push the table over, no row is returned and the sweep evicts them all.
        SizeCutoff = $"""
            SELECT accessed_at FROM (
                SELECT accessed_at, sum(value_size) OVER (ORDER BY accessed_at DESC ROWS UNBOUNDED PRECEDING) AS kept
                FROM {QualifiedTable} ORDER BY accessed_at DESC) newest
            WHERE kept > $1 LIMIT 1
            """;

        RowsCutoff = $"SELECT accessed_at FROM {QualifiedTable} ORDER BY accessed_at DESC OFFSET $1 LIMIT 1";

        // A cutoff rather than an amount to free: instances that sweep at the same time agree on it instead of each
        // freeing the excess, and a row read after the cutoff was taken has moved above it and stays (FOR UPDATE
        // rechecks the WHERE clause on the latest row version).
        Evict = $"""
            WITH evicted AS (
                DELETE FROM {QualifiedTable} WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM {QualifiedTable} WHERE accessed_at <= $1 ORDER BY accessed_at LIMIT $2 FOR UPDATE SKIP LOCKED))
                RETURNING COALESCE(value_size, octet_length(value)) AS size)
            SELECT count(*), COALESCE(sum(size), 0)::bigint FROM evicted
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

    /// <summary>
    /// Upserts: <c>$3</c> value, <c>$4</c> expires_at, <c>$5</c> sliding interval, <c>$6</c> absolute expiration,
    /// <c>$7</c> the current time (the row's last use).
    /// </summary>
    public string Set { get; }

    /// <summary>Deletes up to <c>$2</c> rows that expired at or before <c>$1</c>.</summary>
    public string DeleteExpired { get; }

    /// <summary>The table's rows and the bytes of their values (bigint, bigint).</summary>
    public string MeasureSize { get; }

    /// <summary>
    /// The last use of the most recently used row that does not fit when the most recently used values are kept up to
    /// <c>$1</c> bytes; no row when they all fit.
    /// </summary>
    public string SizeCutoff { get; }

    /// <summary>The last use of the most recently used row beyond the <c>$1</c> newest; no row when there are no more.</summary>
    public string RowsCutoff { get; }

    /// <summary>
    /// Deletes up to <c>$2</c> of the least recently used rows last used at or before <c>$1</c>, and returns how many
    /// it deleted and the bytes of their values (bigint, bigint).
    /// </summary>
    public string Evict { get; }
}
