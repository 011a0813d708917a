using System.Globalization;

namespace HttpCaching.Internal;

/// <summary>Builds this cache's member of the <c>Cache-Status</c> field (RFC 9211).</summary>
internal static class CacheStatus
{
    public const string HeaderName = HttpCachingDiagnostics.CacheStatusHeader;
    public const string CacheName = HttpCachingDiagnostics.CacheName;

    public const string FwdUriMiss = HttpCachingDiagnostics.ForwardUriMiss;
    public const string FwdStale = HttpCachingDiagnostics.ForwardStale;
    public const string FwdMethod = HttpCachingDiagnostics.ForwardMethod;
    public const string FwdBypass = HttpCachingDiagnostics.ForwardBypass;
    public const string FwdRequest = HttpCachingDiagnostics.ForwardRequest;

    /// <summary>The detail given when a response is fresh only because of the freshness floor.</summary>
    public const string DetailFloor = HttpCachingDiagnostics.DetailMinimumFreshness;

    /// <summary>A stale response served while a background request revalidates it.</summary>
    public const string DetailStaleWhileRevalidate = HttpCachingDiagnostics.DetailStaleWhileRevalidate;

    /// <summary>A stale response served because the origin asked to be left alone (Retry-After).</summary>
    public const string DetailRetryAfter = HttpCachingDiagnostics.DetailRetryAfter;

    /// <summary>A stale response served because the origin could not be reached.</summary>
    public const string DetailOriginUnreachable = HttpCachingDiagnostics.DetailOriginUnreachable;

    /// <summary>The member of the <c>504</c> answered to an <c>only-if-cached</c> request with nothing usable stored.</summary>
    public const string OnlyIfCached = CacheName + "; detail=" + HttpCachingDiagnostics.DetailOnlyIfCached;

    /// <summary>A stale stored response served without contacting the origin; <paramref name="ttl"/> is negative.</summary>
    public static string StaleHit(TimeSpan ttl, string detail) =>
        string.Create(CultureInfo.InvariantCulture, $"{CacheName}; hit; ttl={Seconds(ttl)}; detail={detail}");

    /// <summary>Marks a member as served from a request collapsed into another caller's (RFC 9211 <c>collapsed</c>).</summary>
    public static string Collapsed(string cacheStatus) => cacheStatus + "; collapsed";

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
        NotStoredReason.Status => HttpCachingDiagnostics.DetailStatus,
        NotStoredReason.NoStore => HttpCachingDiagnostics.DetailNoStore,
        NotStoredReason.Private => HttpCachingDiagnostics.DetailPrivate,
        NotStoredReason.Authorization => HttpCachingDiagnostics.DetailAuthorization,
        NotStoredReason.NoFreshnessInformation => HttpCachingDiagnostics.DetailNoFreshnessInformation,
        NotStoredReason.Vary => HttpCachingDiagnostics.DetailVary,
        NotStoredReason.Redirected => HttpCachingDiagnostics.DetailRedirected,
        NotStoredReason.TooLarge => HttpCachingDiagnostics.DetailTooLarge,
        NotStoredReason.Incomplete => HttpCachingDiagnostics.DetailIncomplete,
        NotStoredReason.StoreFailed => HttpCachingDiagnostics.DetailStoreFailed,
        NotStoredReason.OriginError => HttpCachingDiagnostics.DetailOriginError,
        NotStoredReason.Rejected => HttpCachingDiagnostics.DetailRejected,
        NotStoredReason.ExceedsRecordLimits => HttpCachingDiagnostics.DetailRecordLimits,
        NotStoredReason.Superseded => HttpCachingDiagnostics.DetailSuperseded,
        NotStoredReason.Removed => HttpCachingDiagnostics.DetailRemoved,

        // Never asked for (a response that is stored has no reason not to be); no request fails over it.
        _ => "none",
    };

    /// <summary>Whole seconds, rounded down, as RFC 9111 and RFC 9211 count them.</summary>
    public static long Seconds(TimeSpan value) => (long)Math.Floor(value.TotalSeconds);
}
