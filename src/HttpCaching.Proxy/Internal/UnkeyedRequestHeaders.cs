using System.Collections.Frozen;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Request header fields that commonly change a response (the host or scheme in its links, the path or method an
/// application acts on) without being part of the cache key. The proxy withholds them from the origin, so an attacker
/// cannot have a response built from them stored for everyone; <see cref="ProxyOptions.ForwardedRequestHeaders"/>
/// forwards some of them, and each one forwarded is then part of the key.
/// </summary>
internal static class UnkeyedRequestHeaders
{
    private static readonly string[] InOrder =
    [
        "X-Forwarded-Host",
        "X-Forwarded-Proto",
        "X-Forwarded-Scheme",
        "X-Forwarded-Prefix",
        "X-Forwarded-Uri",
        "X-Forwarded-Path",
        "X-Original-URL",
        "X-Rewrite-URL",
        "X-HTTP-Method-Override",
        "Forwarded",
        "X-Forwarded-Port",
        "X-Forwarded-Ssl",
        "X-Forwarded-Server",
        "Front-End-Https",
        "X-Original-Host",
        "X-Host",
        "X-HTTP-Method",
        "X-Method-Override",

        // A caller's claim of surrogate capabilities (ESI, say) changes what the origin sends; the proxy adds its own.
        "Surrogate-Capability",

        // The client's address as a caller claims it: an origin that geo-blocks or rate-limits by it would have its
        // answer for one (forged) address stored for everyone.
        "X-Forwarded-For",
        "X-Real-IP",
        "True-Client-IP",
        "X-Client-IP",
        "CF-Connecting-IP",
        "Fastly-Client-IP",
        "X-Cluster-Client-IP",
    ];

    /// <summary>The fields, case-insensitive; each is spelled as it is added to <c>Vary</c> when forwarded.</summary>
    public static readonly FrozenSet<string> Names = InOrder.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The fields, compared on their dashed spelling (<see cref="HeaderNameComparer"/>).</summary>
    private static readonly FrozenSet<string> DashedNames = InOrder.ToFrozenSet(HeaderNameComparer.Instance);

    /// <summary>
    /// Whether <paramref name="name"/> is one of the fields spelled with underscores (<c>X_Forwarded_Host</c>), which
    /// an origin that reads <c>_</c> as <c>-</c> takes for the field. Such a spelling is withheld even when the field is
    /// forwarded: only the dashed spelling is part of the key.
    /// </summary>
    public static bool IsUnderscoreSpelling(string name) => name.Contains('_', StringComparison.Ordinal) && DashedNames.Contains(name);

    /// <summary>The fields as a comma-separated list, for messages.</summary>
    public static string List { get; } = string.Join(", ", InOrder);

    /// <summary>
    /// The fields the proxy withholds with <paramref name="forwarded"/> configured: all of <see cref="Names"/> except
    /// those listed.
    /// </summary>
    public static FrozenSet<string> Withheld(IEnumerable<string> forwarded) =>
        Names.Except(forwarded, StringComparer.OrdinalIgnoreCase).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The configured forwarded fields in the spelling of <see cref="Names"/>, without duplicates, in a stable order.
    /// </summary>
    public static string[] Forwarded(IEnumerable<string> configured)
    {
        var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in configured)
        {
            if (Names.TryGetValue(name, out var spelled))
            {
                names.Add(spelled);
            }
        }

        return [.. names];
    }
}
