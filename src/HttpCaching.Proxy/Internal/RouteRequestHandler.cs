using System.Text;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Adds a route's configured request headers and query parameters (API keys) to the request toward its origin. It sits
/// below the caching handler, so the cache never sees them: they are not part of the key (nor of a Vary variant), not
/// in its logs, and not in anything returned to the caller. The request is put back as it was once the response head
/// is here, because the cache reads the request again (its URI, to tell a redirect; its headers, for Vary).
/// </summary>
internal sealed class RouteRequestHandler(ProxyRoute route) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (route.RequestHeaders.Length == 0 && route.QueryParameters.Length == 0)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var original = request.RequestUri;
        foreach (var (name, value) in route.RequestHeaders)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
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
        }
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
