namespace HttpCaching.Internal;

/// <summary>The caller's own conditional requests (RFC 9110 §13.1), evaluated against a stored response.</summary>
internal static class Conditionals
{
    public static bool IsConditional(HttpRequestMessage request) =>
        request.Headers.NonValidated.Contains("If-None-Match") || request.Headers.NonValidated.Contains("If-Modified-Since");

    /// <summary>
    /// Whether the stored response answers the caller's conditional request with a 304: <c>If-None-Match</c> matches
    /// the stored entity tag (weak comparison, or <c>*</c>); without it, <c>If-Modified-Since</c> is no earlier than
    /// the stored <c>Last-Modified</c>. Only for 200 responses.
    /// </summary>
    public static bool NotModified(HttpRequestMessage request, CacheEntry entry)
    {
        var headers = request.Headers.NonValidated;
        if (entry.StatusCode != 200)
        {
            return false;
        }

        if (headers.TryGetValues("If-None-Match", out var ifNoneMatch))
        {
            // "*" matches any current representation, with an entity tag or without (RFC 9110 §13.1.2).
            foreach (var line in ifNoneMatch)
            {
                foreach (var tag in EntityTags(line))
                {
                    if (tag == "*" || (entry.ETag is not null && CachePolicy.WeakMatch(tag, entry.ETag)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        // Two-digit RFC 850 years are placed relative to when the entry was received, the clock reading at hand.
        if (headers.TryGetValues("If-Modified-Since", out var ifModifiedSince)
            && HttpDate.TryParse(ifModifiedSince.ToString(), entry.ResponseTime, out var since)
            && HttpDate.TryParse(entry.LastModified, entry.ResponseTime, out var lastModified))
        {
            return lastModified <= since;
        }

        return false;
    }

    /// <summary>The entity tags of an <c>If-None-Match</c> line; commas inside quotes do not split (RFC 9110 §8.8.3).</summary>
    public static IEnumerable<string> EntityTags(string line) => FieldList.Items(line, quotedPairs: false);

    /// <summary>RFC 9110 §15.4.5: the fields a 304 carries from the 200 it stands for.</summary>
    public static bool BelongsInNotModified(string name) =>
        name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Location", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Date", StringComparison.OrdinalIgnoreCase)
        || name.Equals("ETag", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Vary", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase);

    /// <summary>Content with no body and no <c>Content-Length</c> of its own.</summary>
    public static ByteArrayContent EmptyContent()
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentLength = null;
        return content;
    }

    /// <summary>
    /// RFC 9110 §13.1.5: whether the request's <c>If-Range</c>, if it has one, lets its <c>Range</c> apply to the stored
    /// response: an entity tag must match the stored one by strong comparison; a date must equal the stored
    /// <c>Last-Modified</c>, which must be strong (§8.8.2.2: at least a second before the stored <c>Date</c>). Otherwise
    /// the full response is served.
    /// </summary>
    public static bool IfRangeAllows(HttpRequestMessage request, CacheEntry entry, DateTimeOffset now)
    {
        if (!request.Headers.NonValidated.TryGetValues("If-Range", out var values))
        {
            return true;
        }

        var condition = values.ToString().Trim();
        if (condition.StartsWith('"') || condition.StartsWith("W/", StringComparison.Ordinal))
        {
            return entry.ETag is { } etag
                && CachePolicy.IsStrong(etag)
                && string.Equals(etag.Trim(), condition, StringComparison.Ordinal);
        }

        return HttpDate.TryParse(condition, now, out var date)
            && HttpDate.TryParse(entry.LastModified, now, out var lastModified)
            && date == lastModified
            && HasStrongLastModified(entry, now);
    }

    /// <summary>
    /// RFC 9110 §8.8.2.2: whether the stored <c>Last-Modified</c> is a strong validator of the stored bytes: the
    /// <c>Date</c> they were sent with is at least a second after it. A <c>Date</c> a 304 or HEAD response brought later
    /// is not the time the bytes were sent, and counts only when that update showed by a strong entity tag that they
    /// are the current ones (<see cref="CacheControlFlags.WeakLastModified"/>).
    /// </summary>
    public static bool HasStrongLastModified(CacheEntry entry, DateTimeOffset now) =>
        (entry.Flags & CacheControlFlags.WeakLastModified) == 0
        && HttpDate.TryParse(entry.LastModified, now, out var lastModified)
        && HttpDate.TryParse(CachedHeaders.First(entry.Headers, "Date"), now, out var served)
        && served - lastModified >= TimeSpan.FromSeconds(1);
}
