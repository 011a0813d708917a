using System.Globalization;
using System.Net;

namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>
    /// A response of the caller's own, built from a stored (or shared) response: in full, as the answer to a HEAD, or as
    /// a 304 to the caller's conditional request; with <c>Age</c> and <c>Cache-Status</c>, and reported once.
    /// </summary>
    private HttpResponseMessage Serve(HttpRequestMessage request, StoredResponse stored, TimeSpan age, string cacheStatus, string outcome, ServedForm form = ServedForm.Full, ByteRange range = default)
    {
        Completed(outcome, cacheStatus);
        var entry = stored.Entry;
        HttpResponseMessage response;
        if (form == ServedForm.Full
            && range.Kind == ByteRange.Kinds.Single
            && entry.StatusCode == 200
            && entry.BodyLength > 0
            && Conditionals.IfRangeAllows(request, entry, _time.GetUtcNow()))
        {
            response = Partial(request, stored, range);
        }
        else if (form == ServedForm.NotModified)
        {
            // RFC 9110 §15.4.5: a 304 carries the fields a 200 would have that describe the representation's metadata.
            response = new HttpResponseMessage(HttpStatusCode.NotModified) { Version = entry.HttpVersion, RequestMessage = request, Content = Conditionals.EmptyContent() };
            foreach (var header in entry.Headers)
            {
                if (Conditionals.BelongsInNotModified(header.Name))
                {
                    response.Headers.TryAddWithoutValidation(header.Name, header.Values);
                }
            }

            foreach (var header in entry.ContentHeaders)
            {
                if (Conditionals.BelongsInNotModified(header.Name))
                {
                    response.Content.Headers.TryAddWithoutValidation(header.Name, header.Values);
                }
            }
        }
        else
        {
            response = new HttpResponseMessage((HttpStatusCode)entry.StatusCode)
            {
                Version = entry.HttpVersion,
                RequestMessage = request,
                Content = form == ServedForm.Head ? HeadContent(entry) : CreateContent(stored.BodyRecord, entry),
            };

            if (entry.ReasonPhrase is not null)
            {
                response.ReasonPhrase = entry.ReasonPhrase;
            }

            foreach (var header in entry.Headers)
            {
                response.Headers.TryAddWithoutValidation(header.Name, header.Values);
            }

            if (form == ServedForm.Full)
            {
                _metrics.CacheBytes(_clientName, entry.BodyLength);
            }
        }

        var headers = response.Headers;

        headers.TryAddWithoutValidation("Age", CacheStatus.Seconds(age).ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(CacheStatus.HeaderName, cacheStatus);
        return response;
    }

    /// <summary>
    /// RFC 9110 §14.2, §15.3.7: the one range of bytes a request asks for, from a stored complete 200 with a body (an
    /// empty one is served whole: a 206 cannot carry no bytes, and §14.1.1 makes a suffix range of it satisfiable), as a 206 with the
    /// stored fields and <c>Content-Range</c>; or, when the range selects no byte of it, a 416 naming its length and
    /// nothing else (none of the stored 200's fields, so no cache below keeps the 416 as if it were that response).
    /// </summary>
    private HttpResponseMessage Partial(HttpRequestMessage request, StoredResponse stored, ByteRange range)
    {
        var entry = stored.Entry;
        if (!range.TryResolve(entry.BodyLength, out var offset, out var count))
        {
            var unsatisfiable = new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                Version = entry.HttpVersion,
                RequestMessage = request,
                Content = new ByteArrayContent([]),
            };
            unsatisfiable.Content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes */{entry.BodyLength}"));
            return unsatisfiable;
        }

        var content = new ByteArrayContent(stored.BodyRecord, RecordFormat.BodyHeaderLength + (int)offset, (int)count);
        foreach (var header in entry.ContentHeaders)
        {
            if (!header.Name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase) && !CachePolicy.IsContentDigest(header.Name))
            {
                content.Headers.TryAddWithoutValidation(header.Name, header.Values);
            }
        }

        content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {offset}-{offset + count - 1}/{entry.BodyLength}"));
        var response = new HttpResponseMessage(HttpStatusCode.PartialContent) { Version = entry.HttpVersion, RequestMessage = request, Content = content };
        foreach (var header in entry.Headers)
        {
            if (!CachePolicy.IsContentDigest(header.Name))
            {
                response.Headers.TryAddWithoutValidation(header.Name, header.Values);
            }
        }

        _metrics.CacheBytes(_clientName, count);
        return response;
    }

    /// <summary>
    /// The stored response after the origin failed or could not be reached, when RFC 5861 <c>stale-if-error</c> (or
    /// the client's own window) allows it; <see langword="null"/> otherwise, or when nothing is stored.
    /// </summary>
    private HttpResponseMessage? TryServeStaleOnError(
        HttpRequestMessage request,
        ThirdPartyCachingOptions options,
        StoredResponse? stored,
        int? fwdStatus,
        string detail,
        bool collapsed)
    {
        if (stored is not { Entry: var entry } response)
        {
            return null;
        }

        var age = entry.CurrentAge(_time.GetUtcNow());
        var staleness = age - Freshness.EffectiveLifetime(entry, options);
        if (!Freshness.WithinStaleIfError(entry, staleness, options))
        {
            return null;
        }

        var status = CacheStatus.Forward(CacheStatus.FwdStale, fwdStatus, stored: false, detail);
        return Serve(request, response, age, collapsed ? CacheStatus.Collapsed(status) : status, HttpCachingDiagnostics.OutcomeStale);
    }

    /// <summary>RFC 9111 §5.2.1.7: <c>only-if-cached</c> and nothing to serve: a 504 with no body.</summary>
    private static HttpResponseMessage OnlyIfCachedResponse(HttpRequestMessage request)
    {
        var response = new HttpResponseMessage(HttpStatusCode.GatewayTimeout)
        {
            RequestMessage = request,
            Content = new ByteArrayContent([]),
        };
        response.Headers.TryAddWithoutValidation(CacheStatus.HeaderName, CacheStatus.OnlyIfCached);
        return response;
    }

    /// <summary>The content of a HEAD response: no body, but the stored response's content headers and length.</summary>
    private static ByteArrayContent HeadContent(CacheEntry entry)
    {
        var content = Conditionals.EmptyContent();
        foreach (var header in entry.ContentHeaders)
        {
            content.Headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        content.Headers.ContentLength = entry.BodyLength;
        return content;
    }

    /// <summary>The body of <paramref name="bodyRecord"/> as content, with the entry's content headers; the record is not copied.</summary>
    private static ByteArrayContent CreateContent(byte[] bodyRecord, CacheEntry entry)
    {
        var content = BodyRecord.Content(bodyRecord);
        var headers = content.Headers;
        foreach (var header in entry.ContentHeaders)
        {
            headers.TryAddWithoutValidation(header.Name, header.Values);
        }

        return content;
    }
}
