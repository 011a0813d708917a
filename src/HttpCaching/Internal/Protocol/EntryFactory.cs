using System.Net.Http.Headers;

namespace HttpCaching.Internal;

/// <summary>Builds <see cref="CacheEntry"/> records from responses (§3.1), and refreshes them from a 304 (§4.3.4).</summary>
internal static class EntryFactory
{
    /// <summary>The entry of a full response whose body is in <paramref name="bodyRecord"/>; parses its <c>Cache-Control</c>.</summary>
    public static CacheEntry Create(
        HttpResponseMessage response,
        byte[] bodyRecord,
        int bodyLength,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        bool credentialedRequest) =>
        Create(response, TargetedCacheControl.Of(response.Headers, options), bodyRecord, bodyLength, requestTime, responseTime, options, credentialedRequest);

    /// <summary>
    /// The entry of a full response whose body is in <paramref name="bodyRecord"/>, given the directives of its
    /// <c>Cache-Control</c> as received (<see cref="CacheControl.Parse(HttpHeaders)"/>), so a response on its way into
    /// the store is parsed once.
    /// </summary>
    public static CacheEntry Create(
        HttpResponseMessage response,
        in CacheControl directives,
        byte[] bodyRecord,
        int bodyLength,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        bool credentialedRequest)
    {
        var headers = WithDate(
            CachedHeaders.Collect(response.Headers, directives, options.Shared, CachePolicy.IsExcludedFromStorage),
            response.Headers,
            responseTime);
        var contentHeaders = CachedHeaders.Collect(response.Content.Headers, directives, options.Shared, CachePolicy.IsExcludedFromStorage);

        // A strong entity tag names exactly these bytes, so it names the version; otherwise the content does.
        var etag = CachedHeaders.First(headers, "ETag");
        var versionId = etag is not null && CachePolicy.IsStrong(etag)
            ? CacheKeyBuilder.VersionIdFromETag(etag)
            : CacheKeyBuilder.VersionIdFromContent(BodyRecord.Body(bodyRecord).Span[..bodyLength]);

        return Build(
            StoredDirectives(headers, directives),
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
            bodyLength,
            BodyRecord.Checksum(bodyRecord),
            (credentialedRequest ? CacheControlFlags.CredentialedRequest : CacheControlFlags.None)
                | (options.Shared ? CacheControlFlags.None : CacheControlFlags.StoredByPrivateCache));
    }

    /// <summary>
    /// Applies a 304 to the stored entry: its fields replace the stored ones (§3.2) and freshness is computed anew from
    /// the 304's exchange. Returns <see langword="null"/> when the 304's validators name another representation.
    /// <paramref name="askedWithStoredValidators"/> says the 304 answers the cache's own revalidation of this entry,
    /// whose conditionals were the entry's validators and nothing else.
    /// </summary>
    public static CacheEntry? Refresh(
        CacheEntry stored,
        HttpResponseMessage notModified,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        bool credentialedRequest,
        bool askedWithStoredValidators = false)
    {
        if (!Selects(stored, notModified, askedWithStoredValidators))
        {
            return null;
        }

        return Update(stored, notModified, requestTime, responseTime, options, credentialedRequest);
    }

    /// <summary>
    /// RFC 9111 §4.3.5: applies a 200 response to a HEAD request to the stored GET response it stands for. The stored
    /// response is freshened only when every validator the HEAD response carries (<c>ETag</c>, <c>Last-Modified</c>)
    /// matches the stored one, at least one does, and its <c>Content-Length</c>, when it has one, is the stored body's
    /// length. Otherwise the HEAD response describes another representation: the stored response is returned marked
    /// stale, so it is validated before it is reused. Returns <see langword="null"/> for any status but 200.
    /// </summary>
    public static CacheEntry? RefreshFromHead(
        CacheEntry stored,
        HttpResponseMessage head,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        bool credentialedRequest)
    {
        if (head.StatusCode != System.Net.HttpStatusCode.OK || stored.StatusCode != 200)
        {
            return null;
        }

        return HeadDescribesStored(stored, head)
            ? Update(stored, head, requestTime, responseTime, options, credentialedRequest)
            : stored with { Flags = stored.Flags | CacheControlFlags.MarkedStale };
    }

    private static bool HeadDescribesStored(CacheEntry stored, HttpResponseMessage head)
    {
        var validators = 0;
        if (head.Headers.NonValidated.TryGetValues("ETag", out var etags))
        {
            if (stored.ETag is null || !string.Equals(etags.ToString().Trim(), stored.ETag.Trim(), StringComparison.Ordinal))
            {
                return false;
            }

            validators++;
        }

        if (head.Content.Headers.NonValidated.TryGetValues("Last-Modified", out var dates))
        {
            if (!SameDate(dates.ToString(), stored.LastModified, stored.ResponseTime))
            {
                return false;
            }

            validators++;
        }

        if (head.Content.Headers.NonValidated.TryGetValues("Content-Length", out var lengths)
            && (!long.TryParse(lengths.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
                || length != stored.BodyLength))
        {
            return false;
        }

        return validators > 0;
    }

    /// <summary>The stored response with the fields of a 304 or HEAD response applied (§3.2) and its freshness computed anew.</summary>
    private static CacheEntry Update(
        CacheEntry stored,
        HttpResponseMessage update,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime,
        ThirdPartyCachingOptions options,
        bool credentialedRequest)
    {
        var directives = TargetedCacheControl.Of(update.Headers, options);
        // A 304 that matched only weakly (its tag weak) stands for an equivalent representation,
        // not these bytes: its validators are not the stored bytes', so they do not replace them. Its Last-Modified
        // would otherwise count as a strong validator of bytes it does not describe (If-Range, RFC 9110 §13.1.5).
        Func<string, bool> excluded = MatchedOnlyWeakly(stored, update)
            ? static name => CachePolicy.IsExcludedFromUpdate(name) || IsValidator(name)
            : CachePolicy.IsExcludedFromUpdate;
        var headers = WithDate(
            CachedHeaders.Merge(
                stored.Headers,
                CachedHeaders.Collect(update.Headers, directives, options.Shared, excluded)),
            update.Headers,
            responseTime);
        var contentHeaders = CachedHeaders.Merge(
            stored.ContentHeaders,
            CachedHeaders.Collect(update.Content.Headers, directives, options.Shared, excluded));

        // The directives that now rule the entry (the update's, or the stored ones when it carries none) withhold the
        // fields they name from every field the entry keeps: an update without Cache-Control must not bring in a field
        // the stored private="…" or no-cache="…" names, and an update that names a field drops the stored one.
        var ruling = CachePolicy.StoredDirectives(headers, options);
        headers = CachedHeaders.Without(headers, ruling, options.Shared);
        contentHeaders = CachedHeaders.Without(contentHeaders, ruling, options.Shared);

        // Once a response answered a request with credentials, it stays without the floor; a validation clears a mark
        // of staleness.
        var credentialed = credentialedRequest || (stored.Flags & CacheControlFlags.CredentialedRequest) != 0;

        // The update's Date replaces the one the stored bytes were sent with: a Last-Modified that was weak for them stays
        // weak, unless the update's strong entity tag (which selected the stored one) shows the bytes are current.
        var weakLastModified = stored.LastModified is not null
            && !Conditionals.HasStrongLastModified(stored, responseTime)
            && !HasStrongETag(update);
        return Build(
            ruling,
            stored.StatusCode,
            stored.ReasonPhrase,
            stored.HttpVersion,
            headers,
            contentHeaders,
            AgeValue(update.Headers),
            requestTime,
            responseTime,
            options,
            stored.VersionId,
            stored.BodyLength,
            stored.BodyChecksum,
            (credentialed ? CacheControlFlags.CredentialedRequest : CacheControlFlags.None)
                | (weakLastModified ? CacheControlFlags.WeakLastModified : CacheControlFlags.None)
                | (options.Shared ? stored.Flags & CacheControlFlags.StoredByPrivateCache : CacheControlFlags.StoredByPrivateCache));
    }

    /// <summary>Whether the update's (first) entity tag is strong.</summary>
    private static bool HasStrongETag(HttpResponseMessage update)
    {
        if (update.Headers.NonValidated.TryGetValues("ETag", out var tags))
        {
            foreach (var tag in tags)
            {
                return CachePolicy.IsStrong(tag);
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the update's entity tag is weak: it matched the stored response by weak comparison only, whatever the
    /// stored tag is, and stands for an equivalent representation, not necessarily these bytes.
    /// </summary>
    private static bool MatchedOnlyWeakly(CacheEntry stored, HttpResponseMessage update)
    {
        if (stored.ETag is null || !update.Headers.NonValidated.TryGetValues("ETag", out var tags))
        {
            return false;
        }

        foreach (var tag in tags)
        {
            return !CachePolicy.IsStrong(tag);
        }

        return false;
    }

    private static bool IsValidator(string name) =>
        name.Equals("ETag", StringComparison.OrdinalIgnoreCase) || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// RFC 9110 §6.6.1: a response received without <c>Date</c> is stored with one that records when it was received,
    /// so its age starts then. For a 304 or HEAD update, this replaces the stored response's older <c>Date</c>.
    /// </summary>
    private static CachedHeader[] WithDate(CachedHeader[] headers, HttpResponseHeaders received, DateTimeOffset responseTime)
    {
        if (received.NonValidated.Contains("Date"))
        {
            return headers;
        }

        var date = new CachedHeader("Date", [HttpDate.Format(responseTime)]);
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            {
                var copy = (CachedHeader[])headers.Clone();
                copy[i] = date;
                return copy;
            }
        }

        return [.. headers, date];
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

        return SaturatingTime.Add(entry.ResponseTime, remaining, Freshness.LongestStaleWindow(entry, options));
    }

    /// <summary>
    /// §4.3.4: which stored response a 304 updates. A strong entity tag selects only a stored response with the same
    /// strong tag; a weak one, a stored response whose tag matches weakly; a <c>Last-Modified</c> alone, a stored
    /// response with the same date. A 304 with no validator at all selects the stored response only when that has no
    /// validator either, since it may well stand for another representation (a caller's own <c>If-Modified-Since</c>
    /// answered from elsewhere); or when it answers the cache's own revalidation, whose only conditionals were the
    /// stored response's validators: then the origin said that this very representation is current (RFC 9110 §13.1.2,
    /// §13.1.3), merely without repeating its validators as §15.4.5 asks.
    /// </summary>
    private static bool Selects(CacheEntry stored, HttpResponseMessage notModified, bool askedWithStoredValidators)
    {
        if (notModified.Headers.NonValidated.TryGetValues("ETag", out var etags))
        {
            foreach (var etag in etags)
            {
                if (stored.ETag is null)
                {
                    return false;
                }

                return CachePolicy.IsStrong(etag)
                    ? CachePolicy.IsStrong(stored.ETag) && CachePolicy.WeakMatch(etag, stored.ETag)
                    : CachePolicy.WeakMatch(etag, stored.ETag);
            }
        }

        if (notModified.Content.Headers.NonValidated.TryGetValues("Last-Modified", out var dates))
        {
            foreach (var date in dates)
            {
                return SameDate(date, stored.LastModified, stored.ResponseTime);
            }
        }

        return askedWithStoredValidators || (stored.ETag is null && stored.LastModified is null);
    }

    /// <summary>Whether two HTTP dates are the same instant; <paramref name="now"/> places RFC 850 two-digit years.</summary>
    private static bool SameDate(string? a, string? b, DateTimeOffset now) =>
        HttpDate.TryParse(a, now, out var first) && HttpDate.TryParse(b, now, out var second) && first == second;

    /// <summary>
    /// The directives of the <c>Cache-Control</c> an entry stores, which rule its freshness: nothing when the field is
    /// not stored (absent, or named by <c>Connection</c> or <c>no-cache="…"</c>); the directives as received when it is
    /// stored as it came, on one line (the usual case), so they are not parsed again; otherwise its lines parsed as one
    /// list, as they are stored.
    /// </summary>
    private static CacheControl StoredDirectives(CachedHeader[] stored, in CacheControl received)
    {
        if (received.Targeted)
        {
            // A targeted field rules, as received; the stored Cache-Control does not count.
            return received;
        }

        // Restrictions that came from elsewhere (a malformed Surrogate-Control's no-cache) are kept with the stored ones.
        var restrictions = received.Flags & (CacheControlFlags.NoCache | CacheControlFlags.NoStore);
        foreach (var header in stored)
        {
            if (header.Name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase))
            {
                var parsed = header.Values.Length == 1 ? received : CacheControl.Parse(string.Join(", ", header.Values));
                return parsed with { Flags = parsed.Flags | restrictions };
            }
        }

        return CacheControl.Empty with { Flags = restrictions };
    }

    /// <summary>An entry from its fields; <paramref name="directives"/> are those of the <c>Cache-Control</c> in <paramref name="headers"/>.</summary>
    private static CacheEntry Build(
        in CacheControl directives,
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
        int bodyLength,
        uint bodyChecksum,
        CacheControlFlags entryFlags)
    {
        // §4.2.3: the current age of the response when it was received.
        var dateValue = HttpDate.TryParse(CachedHeaders.First(headers, "Date"), responseTime, out var date) ? date : responseTime;
        var apparentAge = Max(TimeSpan.Zero, responseTime - dateValue);
        var responseDelay = Max(TimeSpan.Zero, responseTime - requestTime);
        var correctedInitialAge = Max(apparentAge, ageValue + responseDelay);

        var lastModified = CachedHeaders.First(contentHeaders, "Last-Modified");
        // §5.3: several Expires lines join into a value that is no HTTP-date, so they count as invalid: expired. Under a
        // targeted field Expires does not count at all (RFC 9213 §2.1).
        var lifetime = CachePolicy.FreshnessLifetime(
            directives,
            directives.Targeted ? null : CachedHeaders.Joined(contentHeaders, "Expires"),
            dateValue,
            lastModified,
            status,
            options.Shared,
            options.MaxHeuristicFreshness,
            responseTime,
            out var heuristic);
        if (heuristic && (entryFlags & CacheControlFlags.CredentialedRequest) != 0)
        {
            // A response to a request with credentials gets no freshness it did not give itself.
            lifetime = TimeSpan.Zero;
        }

        return new CacheEntry
        {
            StatusCode = status,
            ReasonPhrase = reasonPhrase,
            HttpVersion = httpVersion,
            ResponseTime = responseTime,
            CorrectedInitialAge = correctedInitialAge,
            FreshnessLifetime = lifetime,
            // §5.2.2.10: in a shared cache s-maxage carries the semantics of proxy-revalidate.
            Flags = (directives.SharedMaxAge != CacheControl.Absent ? directives.Flags | CacheControlFlags.ProxyRevalidate : directives.Flags)
                | entryFlags,
            HeuristicFreshness = heuristic,
            StaleWhileRevalidate = directives.StaleWhileRevalidate,
            StaleIfError = directives.StaleIfError,
            ETag = CachedHeaders.First(headers, "ETag"),
            LastModified = lastModified,
            VersionId = versionId,
            BodyLength = bodyLength,
            BodyChecksum = bodyChecksum,
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
                // §5.1: a list-based Age uses its first member; empty list elements are no members (RFC 9110 §5.6.1).
                foreach (var member in FieldList.Items(value, quotedPairs: false))
                {
                    var seconds = CacheControl.ParseDeltaSeconds(member);
                    return seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
                }
            }
        }

        return TimeSpan.Zero;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
