namespace HttpCaching;

/// <summary>
/// Everything the library emits, by name, for telemetry configuration, log filters, alerts and dashboards: the meter,
/// its instruments, tags and tag values (this file); the activity source, its activity, event, tags and tag values
/// (<c>HttpCachingDiagnostics.Tracing.cs</c>); the values of the <c>Cache-Status</c> parameters that the tags repeat
/// (<c>HttpCachingDiagnostics.CacheStatus.cs</c>); the logger categories and event ids
/// (<c>HttpCachingDiagnostics.Logging.cs</c>); and the health check's name. Nothing is emitted that is not listed
/// here, and a test checks these lists against what the library really emits.
/// </summary>
public static partial class HttpCachingDiagnostics
{
    /// <summary>The cache's name in the <c>Cache-Status</c> response header (RFC 9211): <c>HttpCaching</c>.</summary>
    public const string CacheName = "HttpCaching";

    /// <summary>The response header that says what the cache did with each response: <c>Cache-Status</c> (RFC 9211).</summary>
    public const string CacheStatusHeader = "Cache-Status";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>HttpCaching</c>.</summary>
    public const string MeterName = "HttpCaching";

    /// <summary>Counter of requests handled by an enabled handler, tagged with <see cref="ClientNameTag"/> and <see cref="OutcomeTag"/>.</summary>
    public const string RequestsInstrument = "httpcaching.requests";

    /// <summary>Counter of response body bytes served from the cache, tagged with <see cref="ClientNameTag"/>.</summary>
    public const string CacheBytesInstrument = "httpcaching.cache.bytes";

    /// <summary>Counter of response body bytes received from the origin, tagged with <see cref="ClientNameTag"/>.</summary>
    public const string OriginBytesInstrument = "httpcaching.origin.bytes";

    /// <summary>Counter of failed store operations, tagged with <see cref="ClientNameTag"/> and <see cref="StoreOperationTag"/>.</summary>
    public const string StoreErrorsInstrument = "httpcaching.store.errors";

    /// <summary>
    /// Counter of stored records refused by the integrity check (see <see cref="HttpCachingIntegrityOptions"/>), tagged
    /// with <see cref="IntegrityFailureTag"/> and, when the record's client can be told from its store key, with
    /// <see cref="ClientNameTag"/>.
    /// </summary>
    public const string StoreTamperedInstrument = "httpcaching.store.tampered";

    /// <summary>The tag that carries the name of the <see cref="HttpClient"/>, on every instrument but
    /// <see cref="StoreTamperedInstrument"/> (there when known) and on the <see cref="RequestActivityName"/> activity.</summary>
    public const string ClientNameTag = "http.client.name";

    /// <summary>
    /// The tag that carries the outcome of a request, on <see cref="RequestsInstrument"/> and on the
    /// <see cref="RequestActivityName"/> activity: one of the <c>Outcome…</c> values.
    /// </summary>
    public const string OutcomeTag = "httpcaching.outcome";

    /// <summary>
    /// The tag that carries a store operation: one of the <c>StoreOperation…</c> values. On
    /// <see cref="StoreErrorsInstrument"/> it names the operation that failed; on the <see cref="StoreEventName"/>
    /// events of a traced request, each operation the request made.
    /// </summary>
    public const string StoreOperationTag = "httpcaching.store.operation";

    /// <summary>Store operation: a record was read.</summary>
    public const string StoreOperationGet = "get";

    /// <summary>Store operation: a record was written.</summary>
    public const string StoreOperationSet = "set";

    /// <summary>Store operation: a body record was kept alive (sliding expiration) after a <c>304</c>.</summary>
    public const string StoreOperationRefresh = "refresh";

    /// <summary>Store operation: a record was removed (an invalidation, or a stored response that must no longer be used).</summary>
    public const string StoreOperationRemove = "remove";

    /// <summary>The tag that carries why a record was refused: one of the <c>IntegrityFailure…</c> values.</summary>
    public const string IntegrityFailureTag = "httpcaching.integrity.failure";

    /// <summary>Integrity failure: the record has no protection at all (written without keys, or by someone else).</summary>
    public const string IntegrityFailureUnprotected = "unprotected";

    /// <summary>Integrity failure: the protection envelope is truncated or of an unknown version or mode.</summary>
    public const string IntegrityFailureMalformed = "malformed";

    /// <summary>Integrity failure: the record names a key that is not configured, for example one removed by rotation.</summary>
    public const string IntegrityFailureUnknownKey = "unknown-key";

    /// <summary>Integrity failure: the tag does not match the record's store key and contents; it was altered or moved.</summary>
    public const string IntegrityFailureInvalidTag = "invalid-tag";

    /// <summary>Outcome: a fresh stored response was served without contacting the origin.</summary>
    public const string OutcomeHit = "hit";

    /// <summary>Outcome: nothing usable was stored; the response came from the origin.</summary>
    public const string OutcomeMiss = "miss";

    /// <summary>Outcome: a stored response was validated by the origin (304) and served.</summary>
    public const string OutcomeRevalidated = "revalidated";

    /// <summary>Outcome: a stale stored response was served.</summary>
    public const string OutcomeStale = "stale";

    /// <summary>Outcome: the request was not eligible for caching and went to the origin untouched.</summary>
    public const string OutcomeBypass = "bypass";

    /// <summary>
    /// The default name of the health check that <c>AddHttpCaching()</c> adds to <c>IHealthChecksBuilder</c>:
    /// <c>httpcaching</c>.
    /// </summary>
    public const string HealthCheckName = "httpcaching";
}
