using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using HttpCaching.Internal;

namespace HttpCaching;

/// <summary>
/// Options for the caching handler of one named <see cref="HttpClient"/>, keyed by the client name.
/// </summary>
/// <remarks>
/// Values come from code (<c>AddThirdPartyCaching(o =&gt; …)</c>), then from the configuration sections
/// <c>HttpCaching:Defaults</c> and <c>HttpCaching:Clients:&lt;name&gt;</c>, then from the section given to
/// <c>AddThirdPartyCaching(section)</c>, in that order, so a deployment can tune a client without a rebuild. Changes
/// to configuration are picked up on reload.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification =
    "RangeAttribute(Type, string, string) needs a TypeConverter only when it validates. These attributes are read by the " +
    "source-generated ThirdPartyCachingOptionsValidator, which uses a trim-safe copy of RangeAttribute instead.")]
public sealed class ThirdPartyCachingOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether responses are cached. When <see langword="false"/> the handler passes
    /// every request through untouched, so code can ship before a store is set up.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the freshness floor: a storable response is fresh for at least this long, whatever its own
    /// freshness lifetime (RFC 9111 §4.2.1) says. Responses marked <c>no-cache</c> are still validated before each reuse.
    /// </summary>
    /// <value>The default is 30 minutes. <see cref="TimeSpan.Zero"/> gives pure RFC 9111 behaviour. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan MinimumFreshness { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Gets or sets the largest response body, in bytes, that is cached. Larger responses are passed through
    /// untouched and never buffered whole.
    /// </summary>
    /// <value>The default is 8 MiB. At most 1 GiB.</value>
    [Range(0d, (double)ThirdPartyCachingOptionsValidator.MaxBodySizeLimit)]
    public long MaxBodySize { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Gets or sets a value indicating whether the handler behaves as a shared cache (RFC 9111): <c>private</c>
    /// responses are not stored, <c>s-maxage</c> applies, and responses to requests with <c>Authorization</c> are
    /// stored only when the origin allows it explicitly. Set to <see langword="false"/> for a private cache used by a
    /// single tenant.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Shared { get; set; } = true;

    /// <summary>
    /// Gets or sets the service key of the keyed <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>
    /// that stores this client's entries. When <see langword="null"/> the unkeyed <c>IDistributedCache</c> is used, or a
    /// bounded in-memory store of the library's own when the application registers none.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? StoreServiceKey { get; set; }

    /// <summary>
    /// Gets or sets the prefix of every key this client writes to the store.
    /// </summary>
    /// <value>The default is <c>httpcaching:</c>. It must not be empty or white space.</value>
    [Required]
    public string KeyPrefix { get; set; } = "httpcaching:";

    /// <summary>
    /// Gets or sets how long an entry stays in the store after it stops being fresh, so that it can be revalidated
    /// with a conditional request instead of fetched again in full.
    /// </summary>
    /// <value>The default is 1 day. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan StaleRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets the cap on heuristic freshness: a response with <c>Last-Modified</c> and no explicit expiration is
    /// fresh for 10% of its age at the time it was sent (RFC 9111 §4.2.2), but never longer than this.
    /// </summary>
    /// <value>The default is 1 day. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan MaxHeuristicFreshness { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets how long after it goes stale a stored response may still be served when the origin fails: a
    /// connection error, a timeout, a 500, 502, 503 or 504, a 429, or a response refused by
    /// <see cref="ValidateResponse"/> (RFC 5861). A response's own <c>stale-if-error</c> directive replaces this value;
    /// <c>must-revalidate</c>, <c>proxy-revalidate</c> (shared) and <c>no-cache</c> forbid it.
    /// </summary>
    /// <value>The default is 1 day. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan StaleIfError { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets how long the origin is left alone after it failed while a stored response could be served instead:
    /// meanwhile the stored response is served within <see cref="StaleIfError"/>, so an outage costs one origin request
    /// per interval instead of one per caller. A <c>Retry-After</c> from the origin replaces it.
    /// </summary>
    /// <value>The default is 30 seconds. <see cref="TimeSpan.Zero"/> asks the origin on every request. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan OriginBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long after it goes stale a stored response is served at once while one background request
    /// revalidates it (RFC 5861). A response's own <c>stale-while-revalidate</c> directive replaces this value.
    /// </summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>: stale responses are revalidated before they are served. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan StaleWhileRevalidate { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets or sets the longest a single store operation may take. A store that is slower, throws or returns garbage
    /// never fails a request: the request is served from the origin and a warning is logged.
    /// </summary>
    /// <value>The default is 250 milliseconds. At most 1 hour; <see cref="Timeout.InfiniteTimeSpan"/> waits for the store indefinitely.</value>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Gets or sets the longest one origin request made by the cache may hold a URL: the request shared by collapsed
    /// callers, or a background revalidation. When it passes, the request is given up, the callers waiting on it fall
    /// back to the stored response where stale-if-error allows (otherwise they see a timeout), and the next request
    /// for the URL starts a new one. Each caller is still bounded by its own cancellation (<c>HttpClient.Timeout</c>).
    /// </summary>
    /// <value>The default is 30 seconds; it must be between 1 second and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan OriginTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a check that a response is what this client expects before it is stored, such as an RSS document
    /// rather than an HTML error page, or valid oEmbed JSON. A refused response is not stored; the stored version keeps
    /// being served within <see cref="StaleIfError"/>, as when the origin fails. An exception counts as a refusal.
    /// </summary>
    /// <value>The default is <see langword="null"/>: every storable response is stored.</value>
    public Func<ResponseValidationContext, CancellationToken, ValueTask<bool>>? ValidateResponse { get; set; }

    /// <summary>
    /// Gets or sets the size, in bytes, of the in-process tier kept in front of a shared store (PostgreSQL, Redis). Body
    /// versions never change, so once read they are served from memory; entry records are kept for
    /// <see cref="NearCacheEntryDuration"/>. Zero turns the tier off. Not used with the built-in in-memory store. Read
    /// when the client first uses it.
    /// </summary>
    /// <value>The default is 32 MiB. At most 1 TiB.</value>
    [Range(0d, (double)ThirdPartyCachingOptionsValidator.MaxNearCacheSizeLimit)]
    public long NearCacheSizeLimit { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how long an entry record read from a shared store is reused from memory before the store is asked
    /// again. Within this window a new version stored by another instance is not seen yet.
    /// </summary>
    /// <value>The default is 5 seconds. <see cref="TimeSpan.Zero"/> reads every entry record from the store. At most 365 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", ThirdPartyCachingOptionsValidator.MaxDurationText, ParseLimitsInInvariantCulture = true)]
    public TimeSpan NearCacheEntryDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the targeted cache-control fields this cache obeys (RFC 9213), in order of precedence, for example
    /// <c>CDN-Cache-Control</c> or a field of your own such as <c>HttpCaching-Cache-Control</c>. When a response carries
    /// one of them with a valid value (a Structured Fields Dictionary; for <c>Surrogate-Control</c>, its own syntax with
    /// at least one directive for this cache, see <see cref="SurrogateDeviceToken"/>, and <c>Cache-Control: private</c> still
    /// applies), the first one rules its caching instead of
    /// <c>Cache-Control</c>, and its <c>Expires</c> is ignored; a field with an invalid value is ignored. Field names are
    /// case-insensitive. Request directives are unaffected.
    /// </summary>
    /// <value>The default is none: <c>Cache-Control</c> rules, as it does for a client's private use of an API. The
    /// proxy sets <c>CDN-Cache-Control</c>, then <c>Surrogate-Control</c>.</value>
    public IList<string> TargetedCacheControlFields { get; } = [];

    /// <summary>
    /// Gets or sets the device token that names this cache in <c>Surrogate-Control</c> (W3C Edge Architecture), which it
    /// obeys when <see cref="TargetedCacheControlFields"/> lists that field: a directive targeted with
    /// <c>;token</c> applies only to the surrogate of that token, one without a token to every surrogate. The proxy
    /// announces it to the origin in <c>Surrogate-Capability</c>. Case-insensitive; a token (RFC 9110 §5.6.2).
    /// </summary>
    /// <value>The default is <c>httpcaching</c>.</value>
    public string SurrogateDeviceToken { get; set; } = "httpcaching";
}
