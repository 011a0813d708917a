using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HttpCaching.Demo;

/// <summary>
/// One resource of the stand-in origin: serves its current representation with <c>ETag</c>, <c>Last-Modified</c>,
/// <c>Cache-Control: public, max-age=…</c> and a <c>Date</c> from the simulated clock, answers a matching
/// <c>If-None-Match</c> with 304, and counts what it was asked and what it sent.
/// </summary>
public sealed class OriginEndpoint(string path, TimeSpan maxAge, Representation initial, TimeProvider time)
{
    private Representation _current = initial;
    private long _requests;
    private long _fullResponses;
    private long _notModified;
    private long _bodyBytesSent;

    public string Path { get; } = path;

    public TimeSpan MaxAge { get; } = maxAge;

    public Representation Current => Volatile.Read(ref _current);

    public long Requests => Interlocked.Read(ref _requests);

    public long FullResponses => Interlocked.Read(ref _fullResponses);

    public long NotModified => Interlocked.Read(ref _notModified);

    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    /// <summary>Replaces the representation, as when the third party publishes an update.</summary>
    public void Publish(Representation representation) => Volatile.Write(ref _current, representation);

    public async Task ServeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var current = Current;
        var response = context.Response;
        var headers = response.Headers;
        headers.Date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        headers.ETag = current.ETag;
        headers.LastModified = current.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={(long)MaxAge.TotalSeconds}");

        if (Matches(context.Request.Headers.IfNoneMatch, current.ETag))
        {
            Interlocked.Increment(ref _notModified);
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        Interlocked.Increment(ref _fullResponses);
        response.ContentType = current.ContentType;
        response.ContentLength = current.Body.Length;
        await response.Body.WriteAsync(current.Body, context.RequestAborted);
        Interlocked.Add(ref _bodyBytesSent, current.Body.Length);
    }

    /// <summary>RFC 9110 §13.1.2: weak comparison against each listed tag, or <c>*</c>.</summary>
    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var candidate in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || Opaque(candidate) == Opaque(etag))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
