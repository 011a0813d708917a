namespace HttpCaching.PostgreSql;

/// <summary>
/// Names of the PostgreSQL store's instruments, tags and tag values, for telemetry configuration and dashboards. They
/// are on the library's meter, <c>HttpCaching</c>, created through <c>IMeterFactory</c> when one is registered.
/// </summary>
public static class PostgreSqlHttpCacheDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>HttpCaching</c>, as for the library.</summary>
    public const string MeterName = "HttpCaching";

    /// <summary>
    /// Counter of rows the sweep deleted, tagged with <see cref="TableTag"/> and <see cref="SweepReasonTag"/>
    /// (<see cref="SweepReasonExpired"/> or <see cref="SweepReasonSize"/>).
    /// </summary>
    public const string SweepDeletedInstrument = "httpcaching.store.sweep.deleted";

    /// <summary>Counter of the sweep's delete statements (batches), tagged like <see cref="SweepDeletedInstrument"/>.</summary>
    public const string SweepBatchesInstrument = "httpcaching.store.sweep.batches";

    /// <summary>
    /// Gauge of the bytes of values in the table (what <see cref="PostgreSqlHttpCacheOptions.MaxSize"/> bounds), as of
    /// the last sweep, tagged with <see cref="TableTag"/>. Reported once a sweep has measured the table.
    /// </summary>
    public const string SizeInstrument = "httpcaching.store.size";

    /// <summary>Gauge of the rows in the table, as of the last sweep, tagged with <see cref="TableTag"/>.</summary>
    public const string RowsInstrument = "httpcaching.store.rows";

    /// <summary>The tag that carries the table, as <c>schema.table</c>.</summary>
    public const string TableTag = "httpcaching.store.table";

    /// <summary>The tag that carries why the sweep deleted rows: <see cref="SweepReasonExpired"/> or <see cref="SweepReasonSize"/>.</summary>
    public const string SweepReasonTag = "httpcaching.store.sweep.reason";

    /// <summary>Sweep reason: the rows had expired.</summary>
    public const string SweepReasonExpired = "expired";

    /// <summary>
    /// Sweep reason: the rows were the least recently used of a table over
    /// <see cref="PostgreSqlHttpCacheOptions.MaxSize"/> or <see cref="PostgreSqlHttpCacheOptions.MaxRows"/>.
    /// </summary>
    public const string SweepReasonSize = "size";
}
