namespace HttpCaching;

public static partial class HttpCachingDiagnostics
{
    /// <summary>Forward reason: nothing was stored for the URL.</summary>
    public const string ForwardUriMiss = "uri-miss";

    /// <summary>Forward reason: the stored response was stale (or must be validated before use), so it was validated or replaced.</summary>
    public const string ForwardStale = "stale";

    /// <summary>Forward reason: the method is neither GET nor HEAD; the response is not cached (and may invalidate).</summary>
    public const string ForwardMethod = "method";

    /// <summary>Forward reason: the request is not one the cache handles (relative URI, content, a range or a precondition).</summary>
    public const string ForwardBypass = "bypass";

    /// <summary>
    /// Forward reason: the request's own directives asked for it (<c>no-store</c>, <c>no-cache</c> or
    /// <c>Pragma: no-cache</c>, a <c>max-age</c> or <c>min-fresh</c> the stored response does not meet).
    /// </summary>
    public const string ForwardRequest = "request";

    /// <summary>Detail: the response is fresh only because of the freshness floor (<c>MinimumFreshness</c>).</summary>
    public const string DetailMinimumFreshness = "minimum-freshness";

    /// <summary>Detail: a stale response was served while a background request revalidates it.</summary>
    public const string DetailStaleWhileRevalidate = "stale-while-revalidate";

    /// <summary>Detail: a stale response was served because the origin asked to be left alone (<c>Retry-After</c>) or failed a moment ago.</summary>
    public const string DetailRetryAfter = "retry-after";

    /// <summary>Detail: a stale response was served because the origin could not be reached in time.</summary>
    public const string DetailOriginUnreachable = "origin-unreachable";

    /// <summary>Detail: the request said <c>only-if-cached</c> and nothing usable was stored: the cache answered <c>504</c>.</summary>
    public const string DetailOnlyIfCached = "only-if-cached";

    /// <summary>
    /// Detail, not stored: the status code is one a cache never stores as such (1xx, <c>206</c>, <c>304</c>, above 599),
    /// or one it does not understand in a response marked <c>must-understand</c>.
    /// </summary>
    public const string DetailStatus = "status";

    /// <summary>Detail, not stored: the response (or the request) said <c>no-store</c>.</summary>
    public const string DetailNoStore = "no-store";

    /// <summary>Detail, not stored: the response is <c>private</c> and the cache is shared.</summary>
    public const string DetailPrivate = "private";

    /// <summary>Detail, not stored: the request carried <c>Authorization</c> and the response did not allow a shared cache to store it.</summary>
    public const string DetailAuthorization = "authorization";

    /// <summary>Detail, not stored: the response has no freshness information and no validator.</summary>
    public const string DetailNoFreshnessInformation = "no-freshness-information";

    /// <summary>Detail, not stored: the response says <c>Vary: *</c>, which no later request can match.</summary>
    public const string DetailVary = "vary";

    /// <summary>Detail, not stored: the response came from another URI (a redirect was followed below the cache).</summary>
    public const string DetailRedirected = "redirected";

    /// <summary>Detail, not stored: the body is larger than <c>MaxBodySize</c>.</summary>
    public const string DetailTooLarge = "too-large";

    /// <summary>Detail, not stored: the body was shorter than its <c>Content-Length</c>.</summary>
    public const string DetailIncomplete = "incomplete";

    /// <summary>Detail, not stored: the store did not take the write (it failed, timed out, or the breaker is open).</summary>
    public const string DetailStoreFailed = "store-failed";

    /// <summary>
    /// Detail, not stored: while the origin answered, another instance (or request) stored a newer version of the
    /// response, by its <c>Date</c>; the newer one stays. The caller is served the origin's response.
    /// </summary>
    public const string DetailSuperseded = "superseded";

    /// <summary>
    /// Detail, not stored: the stored response a <c>304</c> refreshed was removed while the origin answered (the URL was
    /// invalidated, here or on another instance), so it is not written back. The caller is served what the 304 said.
    /// </summary>
    public const string DetailRemoved = "removed";

    /// <summary>Detail, not stored: the origin answered with an error while a stored response exists.</summary>
    public const string DetailOriginError = "origin-error";

    /// <summary>Detail, not stored: the client's <c>ValidateResponse</c> refused the response.</summary>
    public const string DetailRejected = "rejected";

    /// <summary>Detail, not stored: the record would exceed the record format's limits and could never be read back.</summary>
    public const string DetailRecordLimits = "record-limits";
}
