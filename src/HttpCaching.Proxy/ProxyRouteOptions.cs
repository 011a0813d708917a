namespace HttpCaching.Proxy;

/// <summary>
/// One route of the proxy, bound from <c>Proxy:Routes:&lt;name&gt;</c>: the requests whose path starts with
/// <see cref="PathPrefix"/> (at a segment boundary) go to <see cref="Origin"/>, through a caching client named after the
/// route, so <c>HttpCaching:Clients:&lt;name&gt;</c> tunes its cache.
/// </summary>
internal sealed class ProxyRouteOptions
{
    /// <summary>
    /// Gets or sets the path the route serves, such as <c>/embedly</c>: a request for <c>/embedly/1/oembed</c> goes to
    /// the origin as <c>{Origin}/1/oembed</c>. <c>/</c> serves every path (and must then be the only route). Required.
    /// </summary>
    public string? PathPrefix { get; set; }

    /// <summary>
    /// Gets or sets the origin: an absolute <c>http://</c> or <c>https://</c> URI, with an optional base path that is
    /// put in front of the rest of the request's path. Required.
    /// </summary>
    public string? Origin { get; set; }

    /// <summary>Gets or sets how long the route waits for its origin, as <see cref="ProxyOptions.Timeout"/> does.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="ProxyOptions.Timeout"/>.</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Gets the request headers added toward the origin, by name (an API key, for example). They are added below the
    /// cache: they are never part of the cache key, never logged and never returned to the caller, and a caller's own
    /// header of the same name is dropped.
    /// </summary>
    public IDictionary<string, string> RequestHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the query parameters added toward the origin, by name (an API key, for example), below the cache like
    /// <see cref="RequestHeaders"/>. A caller's own parameter of the same name is dropped from the request.
    /// </summary>
    public IDictionary<string, string> QueryParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
