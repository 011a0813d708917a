namespace HttpCaching.Internal;

/// <summary>
/// The per-URL record: the stored response's metadata and the id of the body version it points at. It is the only
/// record that is rewritten in place (on a 304 or a new representation); bodies live in immutable version records.
/// </summary>
internal sealed record CacheEntry
{
    public required int StatusCode { get; init; }

    public string? ReasonPhrase { get; init; }

    public required Version HttpVersion { get; init; }

    /// <summary>When the response (or the 304 that last refreshed it) was received.</summary>
    public required DateTimeOffset ResponseTime { get; init; }

    /// <summary>The corrected initial age, RFC 9111 §4.2.3.</summary>
    public required TimeSpan CorrectedInitialAge { get; init; }

    /// <summary>The freshness lifetime the response itself gives (RFC 9111 §4.2.1), before the floor.</summary>
    public required TimeSpan FreshnessLifetime { get; init; }

    /// <summary>The response's Cache-Control flags that matter on reuse (no-cache, must-revalidate, …).</summary>
    public required CacheControlFlags Flags { get; init; }

    /// <summary>Whether <see cref="FreshnessLifetime"/> is heuristic (RFC 9111 §4.2.2).</summary>
    public bool HeuristicFreshness { get; init; }

    /// <summary>The response's <c>stale-while-revalidate</c> in seconds, or <see cref="CacheControl.Absent"/>.</summary>
    public long StaleWhileRevalidate { get; init; } = CacheControl.Absent;

    /// <summary>The response's <c>stale-if-error</c> in seconds, or <see cref="CacheControl.Absent"/>.</summary>
    public long StaleIfError { get; init; } = CacheControl.Absent;

    /// <summary>Until when the origin asked not to be called for this entry (429 or 503 with <c>Retry-After</c>).</summary>
    public DateTimeOffset RetryAfter { get; init; }

    public string? ETag { get; init; }

    public string? LastModified { get; init; }

    /// <summary>The id of the body version record, derived from the strong ETag or from the content.</summary>
    public required string VersionId { get; init; }

    public required int BodyLength { get; init; }

    /// <summary>The CRC-32C of the body, as its body record holds it: a body record of other bytes is not this entry's.</summary>
    public required uint BodyChecksum { get; init; }

    public required CachedHeader[] Headers { get; init; }

    public required CachedHeader[] ContentHeaders { get; init; }

    /// <summary>The current age at <paramref name="now"/>, RFC 9111 §4.2.3.</summary>
    public TimeSpan CurrentAge(DateTimeOffset now)
    {
        var resident = now - ResponseTime;
        return CorrectedInitialAge + (resident > TimeSpan.Zero ? resident : TimeSpan.Zero);
    }
}
