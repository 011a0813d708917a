namespace HttpCaching.Internal;

/// <summary>The RFC 9111 rules: which responses may be stored (§3) and how long they are fresh (§4.2).</summary>
internal static class CachePolicy
{
    /// <summary>RFC 9111 §4.2.2: a heuristic lifetime is this fraction of the time since <c>Last-Modified</c>.</summary>
    public const double HeuristicFraction = 0.1;

    /// <summary>Status codes defined as heuristically cacheable (RFC 9110 §15.1).</summary>
    public static bool IsHeuristicallyCacheable(int status) =>
        status is 200 or 203 or 204 or 206 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>Final status codes whose semantics the cache understands (for <c>must-understand</c>).</summary>
    public static bool IsUnderstood(int status) =>
        IsHeuristicallyCacheable(status) || status is 302 or 303 or 307 or 400 or 403 or 500 or 502 or 503 or 504;

    /// <summary>
    /// Whether a response to a GET may be stored (RFC 9111 §3, §3.5), given the response's directives.
    /// </summary>
    public static NotStoredReason CheckStorable(
        HttpResponseMessage response,
        in CacheControl responseDirectives,
        in CacheControl requestDirectives,
        bool requestHasAuthorization,
        bool shared)
    {
        var status = (int)response.StatusCode;

        // Partial content and 304 are never stored as such; 1xx are not final.
        if (status is < 200 or 206 or 304 or > 599)
        {
            return NotStoredReason.Status;
        }

        if (requestDirectives.Has(CacheControlFlags.NoStore))
        {
            return NotStoredReason.NoStore;
        }

        var mustUnderstand = responseDirectives.Has(CacheControlFlags.MustUnderstand);
        if (mustUnderstand && !IsUnderstood(status))
        {
            return NotStoredReason.Status;
        }

        // §5.2.2.3: must-understand from a cache that understands the status code overrides no-store.
        if (responseDirectives.Has(CacheControlFlags.NoStore) && !(mustUnderstand && IsUnderstood(status)))
        {
            return NotStoredReason.NoStore;
        }

        if (shared && responseDirectives.Has(CacheControlFlags.Private) && responseDirectives.PrivateFields is null)
        {
            return NotStoredReason.Private;
        }

        if (shared && requestHasAuthorization && !SharedDespiteAuthorization(responseDirectives))
        {
            return NotStoredReason.Authorization;
        }

        // Vary: * can never be matched by a later request (RFC 9111 §4.1). More names than a Vary record holds are
        // refused with the other record limits (RecordLimits).
        if (Variants.Names(response) is { } varyNames && Variants.IsStar(varyNames))
        {
            return NotStoredReason.Vary;
        }

        var explicitlyCacheable =
            responseDirectives.Has(CacheControlFlags.Public)
            || responseDirectives.MaxAge != CacheControl.Absent
            || (shared && responseDirectives.SharedMaxAge != CacheControl.Absent)
            || (!shared && responseDirectives.Has(CacheControlFlags.Private))
            || (!responseDirectives.Targeted && response.Content.Headers.NonValidated.Contains("Expires"));

        return explicitlyCacheable || IsHeuristicallyCacheable(status)
            ? NotStoredReason.None
            : NotStoredReason.NoFreshnessInformation;
    }

    /// <summary>
    /// Whether a stored response updated by a 304 or HEAD response (RFC 9111 §4.3.4, §4.3.5) may still be stored: the
    /// update's fields now rule it, so a <c>no-store</c> it brought removes the response, and an unqualified
    /// <c>private</c> stops a shared cache from keeping it. So does an update that changes the response's Vary: it was
    /// stored under the names it varied on before, and would be selected by them. An update answering a request with
    /// <c>Authorization</c> is, for a shared cache, a response to that request (§3.5): unless it is <c>public</c>,
    /// <c>must-revalidate</c> or carries <c>s-maxage</c>, its fields stay that caller's, and the stored response is left
    /// as it was.
    /// </summary>
    public static NotStoredReason CheckUpdated(CacheEntry stored, CacheEntry updated, ThirdPartyCachingOptions options, bool requestHasAuthorization)
    {
        var shared = options.Shared;
        var directives = StoredDirectives(updated.Headers, options);
        if (directives.Has(CacheControlFlags.NoStore)
            && !(directives.Has(CacheControlFlags.MustUnderstand) && IsUnderstood(updated.StatusCode)))
        {
            return NotStoredReason.NoStore;
        }

        if (shared && directives.Has(CacheControlFlags.Private) && directives.PrivateFields is null)
        {
            return NotStoredReason.Private;
        }

        if (Variants.Changed(stored, updated))
        {
            return NotStoredReason.Vary;
        }

        return shared && requestHasAuthorization && !SharedDespiteAuthorization(directives)
            ? NotStoredReason.Authorization
            : NotStoredReason.None;
    }

    /// <summary>
    /// Whether a response to a request with <c>Authorization</c> says a shared cache may keep it (RFC 9111 §3.5):
    /// <c>public</c>, <c>must-revalidate</c> or <c>s-maxage</c>.
    /// </summary>
    private static bool SharedDespiteAuthorization(in CacheControl directives) =>
        directives.Has(CacheControlFlags.MustRevalidate | CacheControlFlags.Public) || directives.SharedMaxAge != CacheControl.Absent;

    /// <summary>
    /// The freshness lifetime a response gives itself (RFC 9111 §4.2.1), and whether it is heuristic (§4.2.2).
    /// Invalid values make the response stale, as the RFC advises: an <paramref name="expires"/> that is not exactly an
    /// HTTP-date (§5.3), including the joined value of several <c>Expires</c> lines, is a time in the past.
    /// <paramref name="now"/> places RFC 850 two-digit years. However it is given, a lifetime is at most
    /// <see cref="RecordLimits.MaxLifetime"/> (2^31 seconds, the largest delta-seconds of RFC 9111 §1.2.2), so that an
    /// <c>Expires</c> in the year 9999 cannot overflow the arithmetic on it.
    /// </summary>
    public static TimeSpan FreshnessLifetime(
        in CacheControl directives,
        string? expires,
        DateTimeOffset dateValue,
        string? lastModified,
        int status,
        bool shared,
        TimeSpan maxHeuristic,
        DateTimeOffset now,
        out bool heuristic)
    {
        heuristic = false;
        if (shared && directives.SharedMaxAge != CacheControl.Absent)
        {
            return Seconds(directives.SharedMaxAge);
        }

        if (directives.MaxAge != CacheControl.Absent)
        {
            return Seconds(directives.MaxAge);
        }

        if (expires is not null)
        {
            if (!HttpDate.TryParse(expires, now, out var expiresAt))
            {
                return TimeSpan.Zero;
            }

            var lifetime = expiresAt - dateValue;
            return lifetime <= TimeSpan.Zero ? TimeSpan.Zero : Min(lifetime, RecordLimits.MaxLifetime);
        }

        if ((IsHeuristicallyCacheable(status) || directives.Has(CacheControlFlags.Public))
            && HttpDate.TryParse(lastModified, now, out var modifiedAt)
            && modifiedAt < dateValue)
        {
            heuristic = true;
            var lifetime = TimeSpan.FromTicks((long)((dateValue - modifiedAt).Ticks * HeuristicFraction));
            return Min(Min(lifetime, maxHeuristic), RecordLimits.MaxLifetime);
        }

        heuristic = true;
        return TimeSpan.Zero;
    }

    private static TimeSpan Seconds(long deltaSeconds) =>
        deltaSeconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(deltaSeconds, RecordLimits.MaxDeltaSeconds));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Whether an entity tag is strong (RFC 9110 §8.8.3): not prefixed with <c>W/</c>.</summary>
    public static bool IsStrong(string etag) => !etag.StartsWith("W/", StringComparison.OrdinalIgnoreCase);

    /// <summary>Weak comparison of two entity tags (RFC 9110 §8.8.3.2).</summary>
    public static bool WeakMatch(string a, string b) => Opaque(a).SequenceEqual(Opaque(b));

    private static ReadOnlySpan<char> Opaque(string etag) => (IsStrong(etag) ? etag.AsSpan() : etag.AsSpan(2)).Trim();

    /// <summary>RFC 9110 §7.6.1 hop-by-hop fields, and fields a cache must not store or replay.</summary>
    public static bool IsExcludedFromStorage(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authentication-Info", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Age", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// RFC 9111 §3.2: fields a 304 must not update, on top of those never stored; the digests of the content among them
    /// (<see cref="IsContentDigest"/>), which in a 304 describe its own empty content.
    /// </summary>
    public static bool IsExcludedFromUpdate(string name) =>
        IsExcludedFromStorage(name)
        || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase)
        || IsContentDigest(name);

    /// <summary>
    /// A digest of the message's content, which for a <c>206</c> is the part sent (RFC 9530 §2, RFC 1864): the whole
    /// body's is left out of a part served from the cache, and a 304's (of no content) never replaces the stored one.
    /// <c>Repr-Digest</c> and <c>Digest</c> (RFC 3230) describe the whole representation and stay.
    /// </summary>
    public static bool IsContentDigest(string name) =>
        name.Equals("Content-Digest", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The directives that rule a stored response: those of its first targeted field with a valid value (RFC 9213),
    /// else those of its stored <c>Cache-Control</c>.
    /// </summary>
    public static CacheControl StoredDirectives(CachedHeader[] headers, ThirdPartyCachingOptions options) =>
        TargetedCacheControl.OfStored(headers, options)
        ?? CacheControl.Parse(CachedHeaders.Joined(headers, "Cache-Control"));
}
