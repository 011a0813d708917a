namespace HttpCaching.Internal;

/// <summary>
/// The bounds of what a record may hold, shared by the writers and the readers: a reader refuses (as a miss) any
/// record beyond them, and nothing beyond them is written, so a stored response can always be read back. Numeric
/// bounds also keep every computation on a record's times and durations from overflowing.
/// </summary>
internal static class RecordLimits
{
    /// <summary>The most header fields an entry record holds in each of its two sections (response and content headers).</summary>
    public const int MaxHeaderFields = 4096;

    /// <summary>The most values (field lines) one header field holds.</summary>
    public const int MaxHeaderValues = 4096;

    /// <summary>The most field names a Vary record holds.</summary>
    public const int MaxVaryFields = 64;

    /// <summary>
    /// The largest delta-seconds kept (RFC 9111 §1.2.2: a larger one is taken as 2^31, about 68 years), and so the
    /// largest <c>stale-while-revalidate</c> or <c>stale-if-error</c> of a record.
    /// </summary>
    public const long MaxDeltaSeconds = CacheControl.Overflow;

    /// <summary>The longest freshness lifetime of a record: <see cref="MaxDeltaSeconds"/> seconds, however it was given.</summary>
    public const long MaxLifetimeTicks = MaxDeltaSeconds * TimeSpan.TicksPerSecond;

    /// <summary>The latest instant (<see cref="DateTimeOffset.MaxValue"/> in UTC ticks), and so the longest age, of a record.</summary>
    public const long MaxTicks = 3155378975999999999;

    /// <summary>The longest body a record points at (the largest <see cref="ThirdPartyCachingOptions.MaxBodySize"/>).</summary>
    public const int MaxBodyLength = (int)ThirdPartyCachingOptionsValidator.MaxBodySizeLimit;

    /// <summary>Every <see cref="CacheControlFlags"/> bit that has a meaning; a record with any other is refused.</summary>
    public const int KnownFlags = (((int)CacheControlFlags.MaxStaleAny << 1) - 1) | (int)CacheControlFlags.EntryOnly;

    /// <summary>The longest freshness lifetime, as a duration.</summary>
    public static TimeSpan MaxLifetime { get; } = TimeSpan.FromTicks(MaxLifetimeTicks);

    /// <summary>
    /// Which limit, if any, the record of <paramref name="response"/> would exceed, described for the log (never with a
    /// value): the header fields that would be stored, their values, the names of its <c>Vary</c>, its reason phrase.
    /// </summary>
    public static string? Exceeded(HttpResponseMessage response, in CacheControl directives, bool shared)
    {
        if (!Fits(response.Headers, directives, shared, out var limit) || !Fits(response.Content.Headers, directives, shared, out limit))
        {
            return limit;
        }

        if (Variants.Names(response) is { Length: > MaxVaryFields })
        {
            return $"more than {MaxVaryFields} Vary fields";
        }

        return HasForbiddenCharacter(response.ReasonPhrase) ? "a CR, LF or NUL in the reason phrase" : null;
    }

    /// <summary>Whether the record of <paramref name="entry"/> is within every limit a reader enforces.</summary>
    public static bool Fits(CacheEntry entry) =>
        Fits(entry.Headers) && Fits(entry.ContentHeaders) && !HasForbiddenCharacter(entry.ReasonPhrase)
        && entry.BodyLength is >= 0 and <= MaxBodyLength && entry.StatusCode is >= 100 and <= 999;

    /// <summary>A reason phrase may not hold CR, LF or NUL (RFC 9112 §4); a record with one is refused.</summary>
    public static bool HasForbiddenCharacter(string? reasonPhrase) =>
        reasonPhrase is not null && reasonPhrase.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    private static bool Fits(CachedHeader[] headers)
    {
        if (headers.Length > MaxHeaderFields)
        {
            return false;
        }

        foreach (var header in headers)
        {
            if (header.Values.Length > MaxHeaderValues)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Fits(System.Net.Http.Headers.HttpHeaders headers, in CacheControl directives, bool shared, out string? limit)
    {
        limit = null;
        var all = headers.NonValidated;
        var fits = all.Count <= MaxHeaderFields;
        foreach (var (_, values) in all)
        {
            fits &= values.Count <= MaxHeaderValues;
        }

        // Over a limit as received: count what would be stored, since fields that are never stored do not count.
        if (!fits)
        {
            var stored = CachedHeaders.Collect(headers, directives, shared, CachePolicy.IsExcludedFromStorage);
            if (stored.Length > MaxHeaderFields)
            {
                limit = $"more than {MaxHeaderFields} header fields";
            }
            else if (!Fits(stored))
            {
                limit = $"more than {MaxHeaderValues} values in one header field";
            }
        }

        return limit is null;
    }
}
