using System.Text;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Adds a route's configured request headers and query parameters (API keys) to the request toward its origin, and,
/// when the route's cache obeys <c>Surrogate-Control</c>, the proxy's <c>Surrogate-Capability</c> (appended to the
/// caller's, when that one is forwarded), so the origin can target directives at it. It sits below the caching handler,
/// so the cache never sees them: they are not part of the key (nor of a Vary variant), not in its logs, and not in
/// anything returned to the caller. The request is put back as it was once the response head is here, because the
/// cache reads the request again (its URI, to tell a redirect; its headers, for Vary).
/// </summary>
internal sealed class RouteRequestHandler(ProxyRoute route, IOptionsMonitor<ThirdPartyCachingOptions> caching) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var capability = SurrogateCapability(caching.Get(route.Name));
        if (route.RequestHeaders.Length == 0 && route.QueryParameters.Length == 0 && capability is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // The caller's Surrogate-Capability (when forwarded), as the cache sees it, before anything below is added.
        string[]? callerCapability = null;
        if (capability is not null && request.Headers.NonValidated.TryGetValues(CapabilityField, out var values))
        {
            callerCapability = [.. values];
        }

        var original = request.RequestUri;
        foreach (var (name, value) in route.RequestHeaders)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (capability is not null)
        {
            request.Headers.TryAddWithoutValidation(CapabilityField, capability);
        }

        if (route.QueryParameters.Length > 0 && original is not null)
        {
            request.RequestUri = WithParameters(original, route.QueryParameters);
        }

        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.RequestUri = original;
            foreach (var (name, _) in route.RequestHeaders)
            {
                request.Headers.Remove(name);
            }

            if (capability is not null)
            {
                request.Headers.Remove(CapabilityField);
                if (callerCapability is not null)
                {
                    request.Headers.TryAddWithoutValidation(CapabilityField, callerCapability);
                }
            }
        }
    }

    private const string CapabilityField = "Surrogate-Capability";

    /// <summary>The proxy's <c>Surrogate-Capability</c> member when the route's cache obeys <c>Surrogate-Control</c>; else <see langword="null"/>.</summary>
    private static string? SurrogateCapability(ThirdPartyCachingOptions options)
    {
        foreach (var field in options.TargetedCacheControlFields)
        {
            if (field.Equals("Surrogate-Control", StringComparison.OrdinalIgnoreCase))
            {
                return options.SurrogateDeviceToken + "=\"Surrogate/1.0\"";
            }
        }

        return null;
    }

    internal static Uri WithParameters(Uri uri, KeyValuePair<string, string>[] parameters)
    {
        var builder = new StringBuilder(uri.GetLeftPart(UriPartial.Query));
        var separator = uri.Query.Length > 1 ? '&' : (uri.Query.Length == 1 ? '\0' : '?');
        foreach (var (name, value) in parameters)
        {
            if (separator != '\0')
            {
                builder.Append(separator);
            }

            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return new Uri(builder.ToString(), UriKind.Absolute);
    }
}
