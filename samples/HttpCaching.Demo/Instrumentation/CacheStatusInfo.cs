using System.Globalization;

namespace HttpCaching.Demo;

/// <summary>
/// The handler's <c>Cache-Status</c> member (RFC 9211) taken apart, such as <c>HttpCaching; hit; ttl=1740</c> or
/// <c>HttpCaching; fwd=stale; fwd-status=503; detail=origin-error</c>.
/// </summary>
/// <param name="Shape">The value with the <c>ttl</c> number taken out: <c>HttpCaching; hit; ttl=…</c>.</param>
/// <param name="Ttl">The <c>ttl</c> in seconds, negative once stale, if there is one.</param>
/// <param name="Forwarded">Whether the handler went to the origin (<c>fwd=…</c>), itself or through another caller.</param>
/// <param name="Collapsed">Whether the response came from another caller's origin request (<c>collapsed</c>).</param>
/// <param name="Detail">The <c>detail</c> parameter, if any.</param>
public sealed record CacheStatusInfo(string Shape, long? Ttl, bool Forwarded, bool Collapsed, string? Detail)
{
    /// <summary>Whether this caller's own request went to the origin (or tried to).</summary>
    public bool ContactedOrigin => Forwarded && !Collapsed;

    /// <summary>
    /// Whether a stored response was served past its freshness: without asking the origin (a hit with a negative
    /// <c>ttl</c>, as under <c>Retry-After</c>), or because the origin failed or sent a response the client refused.
    /// </summary>
    public bool ServedStale => Forwarded
        ? Detail is "origin-error" or "origin-unreachable" or "rejected"
        : Ttl < 0;

    public static CacheStatusInfo Parse(string cacheStatus)
    {
        long? ttl = null;
        string? detail = null;
        var forwarded = false;
        var collapsed = false;
        var parts = cacheStatus.Split(';', StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.StartsWith("ttl=", StringComparison.Ordinal)
                && long.TryParse(part.AsSpan(4), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                ttl = seconds;
                parts[i] = "ttl=…";
            }
            else if (part.StartsWith("detail=", StringComparison.Ordinal))
            {
                detail = part[7..];
            }

            forwarded |= part.StartsWith("fwd=", StringComparison.Ordinal);
            collapsed |= part == "collapsed";
        }

        return new CacheStatusInfo(string.Join("; ", parts), ttl, forwarded, collapsed, detail);
    }
}
