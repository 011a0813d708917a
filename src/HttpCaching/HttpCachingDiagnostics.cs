namespace HttpCaching;

/// <summary>
/// Names of the library's meter, instruments, tags and tag values, for telemetry configuration and dashboards.
/// </summary>
public static class HttpCachingDiagnostics
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

    /// <summary>The tag that carries the name of the <see cref="HttpClient"/>.</summary>
    public const string ClientNameTag = "http.client.name";

    /// <summary>The tag that carries the outcome of a request: one of the <c>Outcome…</c> values.</summary>
    public const string OutcomeTag = "httpcaching.outcome";

    /// <summary>The tag that carries the failed store operation: <c>get</c>, <c>set</c> or <c>refresh</c>.</summary>
    public const string StoreOperationTag = "httpcaching.store.operation";

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
}
