using System.Globalization;

namespace HttpCaching.Internal;

/// <summary>Builds this cache's member of the <c>Cache-Status</c> field (RFC 9211).</summary>
internal static class CacheStatus
{
    public const string HeaderName = HttpCachingDiagnostics.CacheStatusHeader;
    public const string CacheName = HttpCachingDiagnostics.CacheName;

    public const string FwdUriMiss = "uri-miss";
    public const string FwdStale = "stale";
    public const string FwdMethod = "method";
    public const string FwdBypass = "bypass";
    public const string FwdRequest = "request";
    public const string FwdMiss = "miss";

    /// <summary>The detail given when a response is fresh only because of the freshness floor.</summary>
    public const string DetailFloor = "minimum-freshness";

    public static string Hit(TimeSpan ttl, bool byFloor) =>
        byFloor
            ? string.Create(CultureInfo.InvariantCulture, $"{CacheName}; hit; ttl={Seconds(ttl)}; detail={DetailFloor}")
            : string.Create(CultureInfo.InvariantCulture, $"{CacheName}; hit; ttl={Seconds(ttl)}");

    public static string Forward(string fwd, int? fwdStatus = null, bool stored = false, string? detail = null)
    {
        var value = string.Concat(CacheName, "; fwd=", fwd);
        if (fwdStatus is { } status)
        {
            value = string.Concat(value, "; fwd-status=", status.ToString(CultureInfo.InvariantCulture));
        }

        if (stored)
        {
            value = string.Concat(value, "; stored");
        }

        if (detail is not null)
        {
            value = string.Concat(value, "; detail=", detail);
        }

        return value;
    }

    public static string Detail(NotStoredReason reason) => reason switch
    {
        NotStoredReason.Status => "status",
        NotStoredReason.NoStore => "no-store",
        NotStoredReason.Private => "private",
        NotStoredReason.Authorization => "authorization",
        NotStoredReason.NoFreshnessInformation => "no-freshness-information",
        NotStoredReason.Vary => "vary",
        NotStoredReason.Redirected => "redirected",
        NotStoredReason.TooLarge => "too-large",
        NotStoredReason.Incomplete => "incomplete",
        NotStoredReason.StoreFailed => "store-failed",
        _ => "none",
    };

    /// <summary>Whole seconds, rounded down, as RFC 9111 and RFC 9211 count them.</summary>
    public static long Seconds(TimeSpan value) => (long)Math.Floor(value.TotalSeconds);
}
