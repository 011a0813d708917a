namespace HttpCaching.Proxy.Internal;

/// <summary>What <see cref="RouteTable.Resolve"/> made of a request target.</summary>
internal enum RouteResult
{
    /// <summary>A route serves the target.</summary>
    Matched,

    /// <summary>No route serves the target: the proxy answers <c>404</c> itself.</summary>
    NoRoute,

    /// <summary>The target is not a valid URI: <c>400</c>.</summary>
    Invalid,
}
