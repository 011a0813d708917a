namespace HttpCaching.Internal;

/// <summary>RFC 9111 §4.2 and the request directives of §5.2.1, with the freshness floor on top.</summary>
internal static class Freshness
{
    /// <summary>The lifetime used for reuse: the response's own, raised to the floor.</summary>
    public static TimeSpan EffectiveLifetime(TimeSpan ownLifetime, TimeSpan floor) => ownLifetime < floor ? floor : ownLifetime;

    public static Reuse Evaluate(CacheEntry entry, TimeSpan age, TimeSpan floor, bool shared, in CacheControl request)
    {
        var own = entry.FreshnessLifetime;
        var lifetime = EffectiveLifetime(own, floor);
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
        var mustRevalidate = (entry.Flags & CacheControlFlags.MustRevalidate) != 0
            || (shared && (entry.Flags & CacheControlFlags.ProxyRevalidate) != 0);
        var acceptsStale = request.Has(CacheControlFlags.MaxStaleAny)
            || (request.MaxStale >= 0 && -ttl <= Seconds(request.MaxStale));
        if (acceptsStale && !mustRevalidate)
        {
            return new Reuse(Usable: true, Stale: true, ByFloor: false, ttl, ForwardReason: string.Empty);
        }

        return Forward(ttl, CacheStatus.FwdStale);
    }

    private static Reuse Forward(TimeSpan ttl, string fwd) => new(Usable: false, Stale: false, ByFloor: false, ttl, fwd);

    /// <summary>A delta-seconds argument as a duration; an invalid one counts as zero.</summary>
    private static TimeSpan Seconds(long deltaSeconds) => deltaSeconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(deltaSeconds);
}
