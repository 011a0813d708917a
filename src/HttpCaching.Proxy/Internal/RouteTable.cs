using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// The proxy's routes, and the one way a request target becomes an origin URI: the target is normalised once (dot
/// segments removed, also when written <c>%2e</c>, and stopped at the root; backslashes read as slashes; unreserved
/// escapes decoded; <c>%2F</c> and other reserved escapes kept), its path is matched against the route prefixes at a
/// segment boundary, and the rest is put after the route's origin and base path. So no spelling of a path climbs out
/// of a route's prefix or its origin's base path, and the URI sent is the very URI the cache keys on. A path under
/// <see cref="AdminPrefix"/> matches no route.
/// </summary>
internal sealed class RouteTable
{
    /// <summary>The path under which the admin endpoints live; never forwarded.</summary>
    public const string AdminPrefix = "/_httpcaching";

    // Any authority will do: only the path and query of the normalised URI are used.
    private const string NormalisingAuthority = "http://route.invalid";

    public RouteTable(IReadOnlyList<ProxyRoute> routes)
    {
        Routes = routes;
    }

    public IReadOnlyList<ProxyRoute> Routes { get; }

    /// <summary>The routes of validated <paramref name="options"/>: the <c>--origin</c> route, or each of <c>Proxy:Routes</c>.</summary>
    public static RouteTable From(ProxyOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Origin))
        {
            return new RouteTable([new ProxyRoute(ProxyApp.ClientName, "/", new Uri(options.Origin, UriKind.Absolute), options.Timeout, [], [])]);
        }

        return new RouteTable([.. options.Routes.Select(r => new ProxyRoute(
            r.Key,
            r.Value.PathPrefix!,
            new Uri(r.Value.Origin!, UriKind.Absolute),
            r.Value.Timeout ?? options.Timeout,
            r.Value.RequestHeaders,
            r.Value.QueryParameters))]);
    }

    /// <summary>
    /// Resolves the path and query of a request target (origin form) to its route and the URI sent to the route's
    /// origin.
    /// </summary>
    /// <returns><see cref="RouteResult.Matched"/>, <see cref="RouteResult.NoRoute"/>, or <see cref="RouteResult.Invalid"/> for a target that is not a valid URI.</returns>
    public RouteResult Resolve(string pathAndQuery, [NotNullWhen(true)] out ProxyRoute? route, [NotNullWhen(true)] out Uri? target)
    {
        route = null;
        target = null;
        if (!pathAndQuery.StartsWith('/') || !Uri.TryCreate(string.Concat(NormalisingAuthority, pathAndQuery), UriKind.Absolute, out var normalised))
        {
            return RouteResult.Invalid;
        }

        var path = normalised.AbsolutePath;
        if (HasHiddenDotSegment(path))
        {
            return RouteResult.Invalid;
        }

        if (IsAdminPath(path))
        {
            return RouteResult.NoRoute;
        }

        foreach (var candidate in Routes)
        {
            if (!candidate.TryMatch(path, out var rest))
            {
                continue;
            }

            var query = candidate.QueryParameterNames.Count == 0 ? normalised.Query : WithoutParameters(normalised.Query, candidate);
            if (!Uri.TryCreate(string.Concat(candidate.OriginBase, rest, query), UriKind.Absolute, out target))
            {
                return RouteResult.Invalid;
            }

            route = candidate;
            return RouteResult.Matched;
        }

        return RouteResult.NoRoute;
    }

    /// <summary>
    /// Whether a normalised path still holds a dot segment in another spelling, one an origin may resolve although the
    /// normalisation kept it: behind an escaped slash or backslash (<c>..%2F</c>, <c>%5C..</c>, which nginx and IIS
    /// decode before they resolve dot segments) or before a parameter (<c>..;</c>, which Tomcat and Spring read as
    /// <c>..</c>). Such a target is refused, since it could climb out of the route's base path at the origin.
    /// </summary>
    internal static bool HasHiddenDotSegment(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (!segment.Contains('.', StringComparison.Ordinal) && !segment.Contains("%2e", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var pieces = segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase).Replace("%5C", "/", StringComparison.OrdinalIgnoreCase).Split('/');
            foreach (var piece in pieces)
            {
                var name = piece.Split(';')[0];
                if (Uri.UnescapeDataString(name) is "." or "..")
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether a (normalised or decoded) path is <see cref="AdminPrefix"/> or under it, in any case.</summary>
    public static bool IsAdminPath(string path) =>
        path.StartsWith(AdminPrefix, StringComparison.OrdinalIgnoreCase) && (path.Length == AdminPrefix.Length || path[AdminPrefix.Length] == '/');

    /// <summary>
    /// The query without the parameters the route adds itself, so a caller can neither set them nor put a value of
    /// them in the cache key.
    /// </summary>
    private static string WithoutParameters(string query, ProxyRoute route)
    {
        if (query.Length <= 1)
        {
            return query;
        }

        var kept = new StringBuilder(query.Length);
        foreach (var part in query[1..].Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((equals < 0 ? part : part[..equals]).Replace('+', ' '));
            if (route.QueryParameterNames.Contains(name))
            {
                continue;
            }

            kept.Append(kept.Length == 0 ? '?' : '&').Append(part);
        }

        return kept.ToString();
    }
}
