namespace HttpCaching;

public static partial class HttpCachingDiagnostics
{
    /// <summary>
    /// The name of the <see cref="System.Diagnostics.ActivitySource"/>: <c>HttpCaching</c>. Add it to the tracer
    /// (OpenTelemetry: <c>AddSource(HttpCachingDiagnostics.ActivitySourceName)</c>) to trace what the cache did with each
    /// request. Activities are created only when a listener samples them: otherwise tracing costs a request nothing.
    /// </summary>
    public const string ActivitySourceName = "HttpCaching";

    /// <summary>
    /// The activity around each request an enabled caching handler handles (<see cref="System.Diagnostics.ActivityKind.Internal"/>),
    /// a child of the caller's activity and the parent of the origin request's, when there is one. Tagged with
    /// <see cref="ClientNameTag"/>, <see cref="RequestMethodTag"/>, <see cref="UrlPathTag"/>, <see cref="OutcomeTag"/>
    /// and, as its <c>Cache-Status</c> says, <see cref="ForwardReasonTag"/>, <see cref="ForwardStatusTag"/>,
    /// <see cref="StoredTag"/>, <see cref="DetailTag"/> and <see cref="CollapsedTag"/>; <see cref="ErrorTypeTag"/> and
    /// the error status when the request failed. Each call to the shared store adds a <see cref="StoreEventName"/>
    /// event. No tag ever carries a query string, a store key or a header value.
    /// </summary>
    public const string RequestActivityName = "httpcaching.request";

    /// <summary>
    /// The event added to the request activity for each call the request made to the shared store (records the near
    /// cache answered make none), tagged with <see cref="StoreOperationTag"/>, <see cref="StoreResultTag"/> and
    /// <see cref="StoreDurationTag"/>.
    /// </summary>
    public const string StoreEventName = "httpcaching.store";

    /// <summary>Activity tag: the request's method, <c>GET</c>, <c>HEAD</c> or another (OpenTelemetry's <c>http.request.method</c>).</summary>
    public const string RequestMethodTag = "http.request.method";

    /// <summary>
    /// Activity tag: the path of the request's URI, escaped as sent, without the query string or fragment (which can
    /// carry API keys) and without scheme and host (OpenTelemetry's <c>url.path</c>).
    /// </summary>
    public const string UrlPathTag = "url.path";

    /// <summary>
    /// Activity tag: why the request went to the origin, the <c>fwd</c> parameter of <c>Cache-Status</c>: one of the
    /// <c>Forward…</c> values. Absent when the response was served from the cache without contacting the origin.
    /// </summary>
    public const string ForwardReasonTag = "httpcaching.fwd";

    /// <summary>Activity tag: the status code the origin answered with (an <see cref="int"/>), the <c>fwd-status</c> parameter of <c>Cache-Status</c>.</summary>
    public const string ForwardStatusTag = "httpcaching.fwd_status";

    /// <summary>
    /// Activity tag: whether the origin's response was stored (a <see cref="bool"/>), the <c>stored</c> parameter of
    /// <c>Cache-Status</c>; present whenever <see cref="ForwardReasonTag"/> is.
    /// </summary>
    public const string StoredTag = "httpcaching.stored";

    /// <summary>Activity tag: the <c>detail</c> parameter of <c>Cache-Status</c>, when it has one: one of the <c>Detail…</c> values.</summary>
    public const string DetailTag = "httpcaching.detail";

    /// <summary>
    /// Activity tag: <see langword="true"/> when the request waited for another request's origin call for the same URL
    /// and was served its response (the <c>collapsed</c> parameter of <c>Cache-Status</c>); absent otherwise.
    /// </summary>
    public const string CollapsedTag = "httpcaching.collapsed";

    /// <summary>
    /// Activity tag: the full name of the exception's type when the request failed (OpenTelemetry's <c>error.type</c>);
    /// the activity's status is then <see cref="System.Diagnostics.ActivityStatusCode.Error"/>. No exception message is recorded.
    /// </summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Store event tag: how the store call ended: one of the <c>StoreResult…</c> values.</summary>
    public const string StoreResultTag = "httpcaching.store.result";

    /// <summary>
    /// Store event tag: how long the call took, in seconds (a <see cref="double"/>), measured with the application's
    /// <see cref="TimeProvider"/>; 0 when the breaker skipped it.
    /// </summary>
    public const string StoreDurationTag = "httpcaching.store.duration";

    /// <summary>Store result: the store answered.</summary>
    public const string StoreResultSuccess = "success";

    /// <summary>Store result: the store threw.</summary>
    public const string StoreResultFailure = "failure";

    /// <summary>Store result: the store did not answer within the request's store timeout.</summary>
    public const string StoreResultTimeout = "timeout";

    /// <summary>Store result: the call was not made, because the breaker is open after repeated failures.</summary>
    public const string StoreResultBreakerOpen = "breaker-open";
}
