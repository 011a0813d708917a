using System.Collections.Frozen;

namespace HttpCaching.Proxy.Internal;

/// <summary>A validated route: its name (the caching client's), its path prefix and origin, and what it adds toward the origin.</summary>
internal sealed class ProxyRoute
{
    public ProxyRoute(string name, string pathPrefix, Uri origin, TimeSpan timeout, IEnumerable<KeyValuePair<string, string>> headers, IEnumerable<KeyValuePair<string, string>> queryParameters)
    {
        Name = name;
        PathPrefix = NormalisePrefix(pathPrefix);
        OriginBase = origin.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Timeout = timeout;
        RequestHeaders = [.. headers];
        QueryParameters = [.. queryParameters];
        RequestHeaderNames = RequestHeaders.Select(h => h.Key).ToFrozenSet(HeaderNameComparer.Instance);
        QueryParameterNames = QueryParameters.Select(p => p.Key).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The route's name, which is also the name of its caching client.</summary>
    public string Name { get; }

    /// <summary>The path prefix without a trailing slash; <c>/</c> for the route that serves every path.</summary>
    public string PathPrefix { get; }

    /// <summary>The origin's scheme, authority and base path, without a trailing slash.</summary>
    public string OriginBase { get; }

    public TimeSpan Timeout { get; }

    public KeyValuePair<string, string>[] RequestHeaders { get; }

    public KeyValuePair<string, string>[] QueryParameters { get; }

    /// <summary>
    /// The names of <see cref="RequestHeaders"/>, compared on their dashed spelling (<see cref="HeaderNameComparer"/>),
    /// so a caller's <c>X_Api_Key</c> is taken for the route's <c>X-Api-Key</c> and dropped too.
    /// </summary>
    public FrozenSet<string> RequestHeaderNames { get; }

    public FrozenSet<string> QueryParameterNames { get; }

    /// <summary>Whether the route serves every path.</summary>
    public bool IsRoot => PathPrefix.Length == 1;

    /// <summary>A prefix as it is matched: <c>/</c>, or without its trailing slash.</summary>
    public static string NormalisePrefix(string prefix) => prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;

    /// <summary>
    /// The rest of <paramref name="path"/> (a normalised absolute path) after the prefix, when the prefix matches it at
    /// a segment boundary: <c>/embedly</c> matches <c>/embedly</c> and <c>/embedly/…</c>, never <c>/embedlyx</c>.
    /// </summary>
    public bool TryMatch(string path, out string rest)
    {
        if (IsRoot)
        {
            rest = path;
            return true;
        }

        if (path.StartsWith(PathPrefix, StringComparison.Ordinal) && (path.Length == PathPrefix.Length || path[PathPrefix.Length] == '/'))
        {
            rest = path[PathPrefix.Length..];
            return true;
        }

        rest = string.Empty;
        return false;
    }
}
