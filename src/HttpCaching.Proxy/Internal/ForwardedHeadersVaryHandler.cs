using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Makes each header the proxy forwards from <see cref="UnkeyedRequestHeaders"/> part of the cache key: it sits below
/// the caching handler and adds the configured field names to the <c>Vary</c> of every response from the origin, so
/// the cache stores one variant per value (and one for the field's absence), exactly as it would had the origin sent
/// that <c>Vary</c> itself. Callers see the same <c>Vary</c>, which tells caches further down the same thing.
/// </summary>
internal sealed class ForwardedHeadersVaryHandler : DelegatingHandler
{
    private readonly string[] _names;

    public ForwardedHeadersVaryHandler(IOptions<ProxyOptions> options)
    {
        _names = UnkeyedRequestHeaders.Forwarded(options.Value.ForwardedRequestHeaders);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (_names.Length > 0 && (HasVary(response) || !UpdatesAStoredResponse(request, response)))
        {
            // Every response the cache may store. A 304 or a HEAD response only when it carries a Vary of its own: that
            // one replaces the stored Vary when it refreshes a stored response, so it must name these fields too; without
            // one, the stored Vary (which names them) stays as it is.
            AddToVary(response, _names);
        }

        return response;
    }

    private static bool HasVary(HttpResponseMessage response) => response.Headers.NonValidated.Contains("Vary");

    private static bool UpdatesAStoredResponse(HttpRequestMessage request, HttpResponseMessage response) =>
        response.StatusCode == System.Net.HttpStatusCode.NotModified || request.Method == HttpMethod.Head;

    /// <summary>
    /// Adds those of <paramref name="names"/> that the response's <c>Vary</c> does not name yet, as one more field
    /// line; a <c>Vary: *</c> is left alone, since it already matches no later request.
    /// </summary>
    internal static void AddToVary(HttpResponseMessage response, string[] names)
    {
        HashSet<string>? present = null;
        if (response.Headers.NonValidated.TryGetValues("Vary", out var lines))
        {
            present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines)
            {
                foreach (var part in line.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (part == "*")
                    {
                        return;
                    }

                    present.Add(part);
                }
            }
        }

        var missing = present is null ? names : Array.FindAll(names, name => !present.Contains(name));
        if (missing.Length > 0)
        {
            response.Headers.TryAddWithoutValidation("Vary", string.Join(", ", missing));
        }
    }
}
