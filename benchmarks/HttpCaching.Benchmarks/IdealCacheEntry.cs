using System.Net;

namespace HttpCaching.Benchmarks;

/// <summary>
/// One response held by <see cref="IdealCacheHandler"/>: the status, the body and the header fields, all prebuilt, so
/// that serving it costs only the new response objects every caller needs.
/// </summary>
/// <param name="StatusCode">The status of the stored response.</param>
/// <param name="Body">The body, shared by every response built from this entry (ByteArrayContent only reads it).</param>
/// <param name="Headers">The response header fields, with the values a cache hit adds (Age, Cache-Status).</param>
/// <param name="ContentHeaders">The content header fields (Content-Type and the like).</param>
public sealed record IdealCacheEntry(
    HttpStatusCode StatusCode,
    byte[] Body,
    KeyValuePair<string, string>[] Headers,
    KeyValuePair<string, string>[] ContentHeaders)
{
    /// <summary>A new, independent response for <paramref name="request"/>.</summary>
    public HttpResponseMessage CreateResponse(HttpRequestMessage request)
    {
        var response = new HttpResponseMessage(StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(Body),
        };

        var headers = response.Headers;
        foreach (var (name, value) in Headers)
        {
            headers.TryAddWithoutValidation(name, value);
        }

        var contentHeaders = response.Content.Headers;
        foreach (var (name, value) in ContentHeaders)
        {
            contentHeaders.TryAddWithoutValidation(name, value);
        }

        return response;
    }
}
