namespace HttpCaching.Internal;

/// <summary>
/// RFC 9111 §4.2 and the request directives of §5.2.1, with the freshness floor on top, and the stale-serving
/// windows of RFC 5861 (<c>stale-while-revalidate</c>, <c>stale-if-error</c>).
/// </summary>
internal static class Freshness
{
    /// <summary>Statuses that mean the origin failed: they trigger stale-if-error and never get the floor.</summary>
    public static bool IsOriginError(int status) => status is 429 or 500 or 502 or 503 or 504;

    /// <summary>
    /// The floor that applies to a stored response: the configured one, except for origin errors, which are never kept
    /// fresh longer than they ask to be, and for responses to requests that carried <c>Authorization</c> or
    /// <c>Cookie</c>, which may be personal and so follow their own explicit freshness only.
    /// </summary>
    public static TimeSpan Floor(CacheEntry entry, ThirdPartyCachingOptions options) =>
        IsOriginError(entry.StatusCode) || (entry.Flags & CacheControlFlags.CredentialedRequest) != 0
            ? TimeSpan.Zero
            : options.MinimumFreshness;

    /// <summary>
    /// The lifetime used for reuse: the response's own, raised to the floor; zero for an entry a HEAD response showed
    /// to be outdated.
    /// </summary>
    public static TimeSpan EffectiveLifetime(CacheEntry entry, ThirdPartyCachingOptions options)
    {
        if ((entry.Flags & CacheControlFlags.MarkedStale) != 0)
        {
            return TimeSpan.Zero;
        }

        var floor = Floor(entry, options);
        return entry.FreshnessLifetime < floor ? floor : entry.FreshnessLifetime;
    }

    public static Reuse Evaluate(CacheEntry entry, TimeSpan age, ThirdPartyCachingOptions options, in CacheControl request)
    {
        var own = entry.FreshnessLifetime;
        var lifetime = EffectiveLifetime(entry, options);
        var ttl = lifetime - age;
        var fresh = lifetime > age;
        var byFloor = fresh && own <= age;

        // A stored no-cache response is validated before every reuse, floor or not (§5.2.2.4).
        if ((entry.Flags & CacheControlFlags.NoCache) != 0)
        {
            return Forward(ttl, CacheStatus.FwdStale);
        }

        if (request.Has(CacheControlFlags.NoCache)
            || (request.MaxAge != CacheControl.Absent && age > Seconds(request.MaxAge))
            || (request.MinFresh != CacheControl.Absent && ttl < Seconds(request.MinFresh)))
        {
            return Forward(ttl, CacheStatus.FwdRequest);
        }

        if (fresh)
        {
            return new Reuse(Usable: true, Stale: false, byFloor, ttl, ForwardReason: string.Empty);
        }

        // Stale: served only when the request accepts it and the response does not forbid it (§4.2.4, §5.2.2.2).
        var acceptsStale = request.Has(CacheControlFlags.MaxStaleAny)
            || (request.MaxStale >= 0 && -ttl <= Seconds(request.MaxStale));
        if (acceptsStale && MayServeStale(entry, options.Shared))
        {
            return new Reuse(Usable: true, Stale: true, ByFloor: false, ttl, ForwardReason: string.Empty);
        }

        return Forward(ttl, CacheStatus.FwdStale);
    }

    /// <summary>
    /// Whether a stale response may be served at all: not when it must be revalidated (<c>must-revalidate</c>,
    /// <c>proxy-revalidate</c> in a shared cache) or validated before every use (<c>no-cache</c>), and, in a shared
    /// cache, not when it answered a request that carried <c>Authorization</c> or <c>Cookie</c> without being marked
    /// <c>public</c>: such a response may be that caller's alone, so once its own freshness is over it is validated
    /// before anyone gets it again, whatever <c>max-stale</c> a caller sends and however the origin fails.
    /// </summary>
    public static bool MayServeStale(CacheEntry entry, bool shared) =>
        MayServeWhileValidating(entry, shared)
        && !(shared && (entry.Flags & (CacheControlFlags.CredentialedRequest | CacheControlFlags.Public)) == CacheControlFlags.CredentialedRequest);

    /// <summary>
    /// Whether a response may be served in place of one the origin failed to give: the rules of <see cref="MayServeStale"/>
    /// without the one for credentials, for a response still fresh (which any caller gets as a hit anyway).
    /// </summary>
    private static bool MayServeWhileValidating(CacheEntry entry, bool shared) =>
        (entry.Flags & (CacheControlFlags.MustRevalidate | CacheControlFlags.NoCache)) == 0
        && !(shared && (entry.Flags & CacheControlFlags.ProxyRevalidate) != 0);

    /// <summary>
    /// RFC 5861 §4: whether the response may be served because the origin failed, <paramref name="staleness"/> after it
    /// went stale (negative while fresh). The response's own <c>stale-if-error</c> replaces the configured window.
    /// </summary>
    public static bool WithinStaleIfError(CacheEntry entry, TimeSpan staleness, ThirdPartyCachingOptions options) =>
        (staleness < TimeSpan.Zero ? MayServeWhileValidating(entry, options.Shared) : MayServeStale(entry, options.Shared))
        && staleness <= Window(entry.StaleIfError, options.StaleIfError);

    /// <summary>
    /// RFC 5861 §3: whether a stale response may be served at once while a background request revalidates it. The
    /// response's own <c>stale-while-revalidate</c> replaces the configured window.
    /// </summary>
    public static bool WithinStaleWhileRevalidate(CacheEntry entry, TimeSpan staleness, ThirdPartyCachingOptions options) =>
        MayServeStale(entry, options.Shared)
        && staleness > TimeSpan.Zero
        && staleness <= Window(entry.StaleWhileRevalidate, options.StaleWhileRevalidate);

    /// <summary>The longest any stale window of the entry reaches, for how long the store keeps it.</summary>
    public static TimeSpan LongestStaleWindow(CacheEntry entry, ThirdPartyCachingOptions options)
    {
        var window = options.StaleRetention;
        window = Max(window, Window(entry.StaleIfError, options.StaleIfError));
        return Max(window, Window(entry.StaleWhileRevalidate, options.StaleWhileRevalidate));
    }

    private static TimeSpan Window(long directive, TimeSpan configured) => directive >= 0 ? Seconds(directive) : configured;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static Reuse Forward(TimeSpan ttl, string fwd) => new(Usable: false, Stale: false, ByFloor: false, ttl, fwd);

    /// <summary>
    /// A delta-seconds argument as a duration; an invalid one counts as zero, and one beyond 2^31 as 2^31 (RFC 9111
    /// §1.2.2), so the conversion never overflows.
    /// </summary>
    private static TimeSpan Seconds(long deltaSeconds) =>
        deltaSeconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(deltaSeconds, RecordLimits.MaxDeltaSeconds));
}
