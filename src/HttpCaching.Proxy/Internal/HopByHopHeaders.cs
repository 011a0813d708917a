using System.Collections.Frozen;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// The header fields that belong to one connection and are never forwarded (RFC 9110 §7.6.1): the fixed hop-by-hop
/// fields, and any field the message's <c>Connection</c> field names. Names are compared on their dashed spelling
/// (<see cref="HeaderNameComparer"/>), so <c>Proxy_Authorization</c> is dropped as <c>Proxy-Authorization</c> is.
/// <c>Proxy</c>, which no standard defines, is dropped too: CGI origins turn it into the <c>HTTP_PROXY</c> variable
/// their HTTP clients take for an outbound proxy ("httpoxy").
/// </summary>
internal static class HopByHopHeaders
{
    private static readonly FrozenSet<string> Names = FrozenSet.Create(
        HeaderNameComparer.Instance,
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "TE",
        "Transfer-Encoding",
        "Upgrade",
        "Trailer",
        "Proxy-Authorization",
        "Proxy-Authenticate",
        "Proxy-Authentication-Info",
        "Proxy");

    /// <summary>Whether <paramref name="name"/> is one of the fixed hop-by-hop fields.</summary>
    public static bool IsHopByHop(string name) => Names.Contains(name);

    /// <summary>
    /// The field names listed in the values of a <c>Connection</c> field, or <see langword="null"/> when there are
    /// none. Connection options such as <c>close</c> are included; they name no field, so including them is harmless.
    /// </summary>
    public static HashSet<string>? ConnectionTokens(IEnumerable<string?>? connectionValues)
    {
        if (connectionValues is null)
        {
            return null;
        }

        HashSet<string>? tokens = null;
        foreach (var value in connectionValues)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            foreach (var token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                (tokens ??= new HashSet<string>(HeaderNameComparer.Instance)).Add(token);
            }
        }

        return tokens;
    }

    /// <summary>Whether the field <paramref name="name"/> must be dropped before the message is forwarded.</summary>
    public static bool ShouldRemove(string name, HashSet<string>? connectionTokens) =>
        IsHopByHop(name) || (connectionTokens is not null && connectionTokens.Contains(name));
}
