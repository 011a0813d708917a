using System.Collections.Frozen;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
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
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            WithoutSecrets(response);
            return response;
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

    /// <summary>Secrets shorter than this are not searched for in response fields: they would match by chance.</summary>
    internal const int SearchedSecretLength = 8;

    /// <summary>The response fields that carry URIs, in which an origin may repeat the request's query (a redirect, say).</summary>
    private static readonly string[] UriFields = ["Location", "Content-Location", "Link"];

    /// <summary>
    /// Takes the route's secrets out of the response head before the cache (and the caller) sees it. A redirect that keeps
    /// the query, or a <c>Content-Location</c> or <c>Link</c> that repeats it, would hand the route's query parameters to
    /// every caller and put them in the store: they are removed from those fields' URIs. Any field still holding the value
    /// of a route secret (<see cref="HoldsSecret"/>, of <see cref="SearchedSecretLength"/> characters or more) after that,
    /// say an origin that echoes the API key in a header of its own, is dropped, and so is a reason phrase holding one.
    /// </summary>
    private void WithoutSecrets(HttpResponseMessage response)
    {
        if (route.QueryParameters.Length > 0)
        {
            foreach (var field in UriFields)
            {
                // Content-Location is a content field; the others are response fields.
                HttpHeaders headers = field.StartsWith("Content-", StringComparison.Ordinal) ? response.Content.Headers : response.Headers;
                if (headers.NonValidated.TryGetValues(field, out var values))
                {
                    var stripped = values.Select(StripParameters).ToArray();
                    headers.Remove(field);
                    if (stripped.All(value => value is not null))
                    {
                        headers.TryAddWithoutValidation(field, stripped!);
                    }
                }
            }
        }

        DropFieldsHoldingSecrets(response.Headers);
        DropFieldsHoldingSecrets(response.Content.Headers);
        if (response.ReasonPhrase is { } reason && HoldsSecret(reason))
        {
            // "403 Invalid key …": the status's own phrase instead.
            response.ReasonPhrase = null;
        }
    }

    private void DropFieldsHoldingSecrets(HttpHeaders headers)
    {
        List<string>? leaking = null;
        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                if (HoldsSecret(value))
                {
                    (leaking ??= []).Add(name);
                    break;
                }
            }
        }

        foreach (var name in leaking ?? [])
        {
            headers.Remove(name);
        }
    }

    /// <summary>
    /// Removes each of the route's query parameters (<c>?name=value</c> or <c>&amp;name=value</c>, the name in any case,
    /// as it is or escaped) from the URIs in a field value, however often each appears; <see langword="null"/> (the field
    /// is dropped) should the match take too long.
    /// </summary>
    private string? StripParameters(string value)
    {
        try
        {
            foreach (var name in route.QueryParameterNames)
            {
                foreach (var spelling in new[] { name, Uri.EscapeDataString(name) }.Distinct(StringComparer.Ordinal))
                {
                    var pattern = string.Concat("(?<sep>[?&])", Regex.Escape(spelling), "=[^&#<>\\s\"]*(?<next>&?)");
                    for (var before = string.Empty; before != value;)
                    {
                        // A match takes the '&' after it, so a parameter repeated right after is found in the next pass.
                        before = value;
                        // "?key=S&a" is "?a", "&key=S&a" is "&a", "&key=S" goes, and "?key=S" is "?": an empty
                        // reference would resolve to the caller's own URL (a redirect to itself).
                        value = Regex.Replace(value, pattern, static match => match.Groups["sep"].Value == "?" ? "?" : match.Groups["next"].Value, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
                    }
                }
            }

            return value;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Standard request fields a route may set that carry no credential (<c>Accept: application/json</c>, say): their
    /// values are not looked for in responses, where they appear as a matter of course (<c>Content-Type</c>).
    /// </summary>
    private static readonly FrozenSet<string> NotSecret = new[]
    {
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Datetime", "User-Agent", "Cache-Control",
        "Pragma", "Referer", "Origin", "From", "DNT", "Max-Forwards", "Prefer", "Priority", "X-Requested-With",
        "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range", "TE",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a field value holds the value of one of the route's secrets, as it is or escaped: every query parameter,
    /// and every header but the standard ones in <see cref="NotSecret"/>.
    /// </summary>
    private bool HoldsSecret(string value)
    {
        foreach (var secret in route.RequestHeaders.Where(h => !NotSecret.Contains(h.Key)).Concat(route.QueryParameters).Select(p => p.Value))
        {
            // The whole value, and each word of it: "Bearer <token>" is found by its token alone too.
            foreach (var part in secret.Split(' ', StringSplitOptions.RemoveEmptyEntries).Prepend(secret))
            {
                if (part.Length >= SearchedSecretLength
                    && (value.Contains(part, StringComparison.Ordinal) || value.Contains(Uri.EscapeDataString(part), StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }
        }

        return false;
    }

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
