using System.Net.Http.Headers;

namespace HttpCaching.Internal;

/// <summary>Builds <see cref="CacheEntry"/> records from responses (§3.1), and refreshes them from a 304 (§4.3.4).</summary>
internal static class EntryFactory
{
    public static CacheEntry Create(
        HttpResponseMessage response,
        byte[] bodyRecord,
        int bodyLength,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options)
    {
        var directives = CacheControl.Parse(response.Headers);
        var headers = CachedHeaders.Collect(response.Headers, directives, options.Shared, CachePolicy.IsExcludedFromStorage);
        var contentHeaders = CachedHeaders.Collect(response.Content.Headers, directives, options.Shared, CachePolicy.IsExcludedFromStorage);

        // A strong entity tag names exactly these bytes, so it names the version; otherwise the content does.
        var etag = CachedHeaders.First(headers, "ETag");
        var versionId = etag is not null && CachePolicy.IsStrong(etag)
            ? CacheKeyBuilder.VersionIdFromETag(etag)
            : CacheKeyBuilder.VersionIdFromContent(bodyRecord.AsSpan(RecordFormat.BodyHeaderLength, bodyLength));

        return Build(
            (int)response.StatusCode,
            response.ReasonPhrase,
            response.Version,
            headers,
            contentHeaders,
            AgeValue(response.Headers),
            requestTime,
            responseTime,
            options,
            versionId,
            bodyLength);
    }

    /// <summary>
    /// Applies a 304 to the stored entry: its fields replace the stored ones (§3.2) and freshness is computed anew from
    /// the 304's exchange. Returns <see langword="null"/> when the 304's validators name another representation.
    /// </summary>
    public static CacheEntry? Refresh(
        CacheEntry stored,
        HttpResponseMessage notModified,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options)
    {
        if (!Selects(stored, notModified))
        {
            return null;
        }

        var directives = CacheControl.Parse(notModified.Headers);
        var headers = CachedHeaders.Merge(
            stored.Headers,
            CachedHeaders.Collect(notModified.Headers, directives, options.Shared, CachePolicy.IsExcludedFromUpdate));
        var contentHeaders = CachedHeaders.Merge(
            stored.ContentHeaders,
            CachedHeaders.Collect(notModified.Content.Headers, directives, options.Shared, CachePolicy.IsExcludedFromUpdate));

        return Build(
            stored.StatusCode,
            stored.ReasonPhrase,
            stored.HttpVersion,
            headers,
            contentHeaders,
            AgeValue(notModified.Headers),
            requestTime,
            responseTime,
            options,
            stored.VersionId,
            stored.BodyLength);
    }

    /// <summary>
    /// When the entry stops being useful: the end of its (floored) freshness plus the longest of
    /// <see cref="ThirdPartyCachingOptions.StaleRetention"/> and its stale-serving windows.
    /// </summary>
    public static DateTimeOffset ExpiresAt(CacheEntry entry, ThirdPartyCachingOptions options)
    {
        var remaining = Freshness.EffectiveLifetime(entry, options) - entry.CorrectedInitialAge;
        if (remaining < TimeSpan.Zero)
        {
            remaining = TimeSpan.Zero;
        }

        return entry.ResponseTime + remaining + Freshness.LongestStaleWindow(entry, options);
    }

    /// <summary>
    /// §4.3.4: a 304 with an entity tag updates the stored response only if the tags match (weakly, since the stored
    /// response is the one the conditional request named); one with only <c>Last-Modified</c> must agree with the
    /// stored date when that is the stored validator; one with no validator updates the single stored response.
    /// </summary>
    private static bool Selects(CacheEntry stored, HttpResponseMessage notModified)
    {
        if (notModified.Headers.NonValidated.TryGetValues("ETag", out var etags))
        {
            foreach (var etag in etags)
            {
                return stored.ETag is not null && CachePolicy.WeakMatch(etag, stored.ETag);
            }
        }

        if (stored.ETag is null
            && stored.LastModified is not null
            && notModified.Content.Headers.NonValidated.TryGetValues("Last-Modified", out var dates))
        {
            foreach (var date in dates)
            {
                return HttpDate.TryParse(date, out var a) && HttpDate.TryParse(stored.LastModified, out var b) && a == b;
            }
        }

        return true;
    }

    private static CacheEntry Build(
        int status,
        string? reasonPhrase,
        Version httpVersion,
        CachedHeader[] headers,
        CachedHeader[] contentHeaders,
        TimeSpan ageValue,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        string versionId,
        int bodyLength)
    {
        var directives = CacheControl.Parse(CachedHeaders.Joined(headers, "Cache-Control"));

        // §4.2.3: the current age of the response when it was received.
        var dateValue = HttpDate.TryParse(CachedHeaders.First(headers, "Date"), responseTime, out var date) ? date : responseTime;
        var apparentAge = Max(TimeSpan.Zero, responseTime - dateValue);
        var responseDelay = Max(TimeSpan.Zero, responseTime - requestTime);
        var correctedInitialAge = Max(apparentAge, ageValue + responseDelay);

        var lastModified = CachedHeaders.First(contentHeaders, "Last-Modified");
        // §5.3: several Expires lines join into a value that is no HTTP-date, so they count as invalid: expired.
        var lifetime = CachePolicy.FreshnessLifetime(
            directives,
            CachedHeaders.Joined(contentHeaders, "Expires"),
            dateValue,
            lastModified,
            status,
            options.Shared,
            options.MaxHeuristicFreshness,
            responseTime,
            out var heuristic);

        return new CacheEntry
        {
            StatusCode = status,
            ReasonPhrase = reasonPhrase,
            HttpVersion = httpVersion,
            ResponseTime = responseTime,
            CorrectedInitialAge = correctedInitialAge,
            FreshnessLifetime = lifetime,
            // §5.2.2.10: in a shared cache s-maxage carries the semantics of proxy-revalidate.
            Flags = directives.SharedMaxAge != CacheControl.Absent ? directives.Flags | CacheControlFlags.ProxyRevalidate : directives.Flags,
            HeuristicFreshness = heuristic,
            StaleWhileRevalidate = directives.StaleWhileRevalidate,
            StaleIfError = directives.StaleIfError,
            ETag = CachedHeaders.First(headers, "ETag"),
            LastModified = lastModified,
            VersionId = versionId,
            BodyLength = bodyLength,
            Headers = headers,
            ContentHeaders = contentHeaders,
        };
    }

    /// <summary>The <c>Age</c> field (§5.1); an invalid value counts as zero.</summary>
    private static TimeSpan AgeValue(HttpResponseHeaders headers)
    {
        if (headers.NonValidated.TryGetValues("Age", out var values))
        {
            foreach (var value in values)
            {
                // §5.1: a list-based Age uses its first member.
                var first = value.AsSpan();
                var comma = first.IndexOf(',');
                var seconds = CacheControl.ParseDeltaSeconds(comma >= 0 ? first[..comma] : first);
                return seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
            }
        }

        return TimeSpan.Zero;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
