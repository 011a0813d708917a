namespace HttpCaching.Proxy;

/// <summary>
/// The proxy's settings, bound from the <c>Proxy</c> configuration section; <c>--origin</c> on the command line sets
/// <see cref="Origin"/>. Read once, at start-up. Either <see cref="Origin"/> (one route, named
/// <see cref="ProxyApp.ClientName"/>, for every path) or <see cref="Routes"/> is set, not both.
/// </summary>
internal sealed class ProxyOptions
{
    /// <summary>The configuration section: <c>Proxy</c>.</summary>
    public const string SectionName = "Proxy";

    /// <summary>The largest <see cref="Timeout"/> accepted.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>The shortest <see cref="PurgeToken"/> accepted.</summary>
    public const int MinPurgeTokenLength = 16;

    /// <summary>
    /// Gets or sets the origin every request is forwarded to: an absolute <c>http://</c> or <c>https://</c> URI, with
    /// an optional base path that is put in front of every request target. The one-route form: the route is named
    /// <see cref="ProxyApp.ClientName"/> (<c>origin</c>) and serves every path.
    /// </summary>
    public string? Origin { get; set; }

    /// <summary>Gets the routes, by name (<c>Proxy:Routes:&lt;name&gt;</c>); each name is also its caching client's name.</summary>
    public IDictionary<string, ProxyRouteOptions> Routes { get; } = new Dictionary<string, ProxyRouteOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the store the routes share.</summary>
    public ProxyStoreOptions Store { get; } = new();

    /// <summary>
    /// Gets or sets the addresses the admin endpoints (<c>/_httpcaching/health</c>, purge) are served on, separated by
    /// semicolons as in <c>--urls</c>. When set, the public addresses do not serve them.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the admin endpoints are served on the public addresses.</value>
    public string? AdminUrls { get; set; }

    /// <summary>
    /// Gets or sets the bearer token that purge requests must carry (<c>Authorization: Bearer …</c>), at least
    /// <see cref="MinPurgeTokenLength"/> characters. Without one, purge is off.
    /// </summary>
    public string? PurgeToken { get; set; }

    /// <summary>Gets the OpenTelemetry export of the <c>HttpCaching</c> meter.</summary>
    public ProxyOtlpOptions Otlp { get; } = new();

    /// <summary>
    /// Gets or sets how long the proxy waits for the origin: for the response headers (and, on a cache miss, the
    /// body the cache stores), then for each read of a streamed body. A response that does not start in time is a
    /// <c>504</c>; a body that stalls aborts the connection to the client.
    /// </summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets the request headers, among those the proxy withholds from the origin by default, that it forwards:
    /// <c>X-Forwarded-Host</c>, <c>X-Forwarded-Proto</c>, <c>X-Forwarded-Scheme</c>, <c>X-Forwarded-Prefix</c>,
    /// <c>X-Original-URL</c>, <c>X-Rewrite-URL</c>, <c>X-HTTP-Method-Override</c>, <c>Forwarded</c>,
    /// <c>Surrogate-Capability</c> and the other spellings listed in the README (names are
    /// case-insensitive). Each one forwarded becomes part of the cache key, as if the origin's responses named it in
    /// <c>Vary</c>: requests with different values, or with and without it, never share a stored response.
    /// </summary>
    /// <value>The default is none: all of them are withheld.</value>
    public IList<string> ForwardedRequestHeaders { get; } = [];

    /// <summary>
    /// Gets or sets whether the targeted cache-control fields a route's cache obeys (RFC 9213; the route's
    /// <c>HttpCaching:…:TargetedCacheControlFields</c>, <c>CDN-Cache-Control</c> and <c>Surrogate-Control</c> by default) are removed from the
    /// responses the proxy sends, so caches further down (browsers, another CDN) never see directives meant for this one.
    /// </summary>
    /// <value>The default is <see langword="false"/>: they are passed on, as RFC 9213 allows.</value>
    public bool RemoveTargetedFields { get; set; }
}
