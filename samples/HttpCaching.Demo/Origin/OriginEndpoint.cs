using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace HttpCaching.Demo;

/// <summary>
/// One resource of the stand-in origin: serves its current representation with <c>ETag</c>, <c>Last-Modified</c>,
/// <c>Cache-Control: public, max-age=…</c> and a <c>Date</c> from the simulated clock, answers a matching
/// <c>If-None-Match</c> with 304, misbehaves as its <see cref="Behaviour"/> says, and counts what it was asked and what
/// it sent.
/// </summary>
public sealed class OriginEndpoint(string path, TimeSpan maxAge, Representation initial, TimeProvider time)
{
    private Representation _current = initial;
    private EndpointBehaviour _behaviour = EndpointBehaviour.Normal;
    private long _latencyTicks;
    private long _requests;
    private long _fullResponses;
    private long _notModified;
    private long _errors;
    private long _substitutes;
    private long _bodyBytesSent;

    public string Path { get; } = path;

    public TimeSpan MaxAge { get; } = maxAge;

    public Representation Current => Volatile.Read(ref _current);

    public EndpointBehaviour Behaviour
    {
        get => Volatile.Read(ref _behaviour);
        set => Volatile.Write(ref _behaviour, value);
    }

    /// <summary>How long, in real time, each response takes: a real third party is not as quick as loopback.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>200 responses with the resource.</summary>
    public long FullResponses => Interlocked.Read(ref _fullResponses);

    public long NotModified => Interlocked.Read(ref _notModified);

    /// <summary>Error responses (503, 429) sent instead of the resource.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>200 responses with something else than the resource (a maintenance page, broken JSON).</summary>
    public long Substitutes => Interlocked.Read(ref _substitutes);

    /// <summary>Body bytes of the 200 responses, substitutes included.</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    /// <summary>Replaces the representation, as when the third party publishes an update.</summary>
    public void Publish(Representation representation) => Volatile.Write(ref _current, representation);

    public async Task ServeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        context.Response.Headers.Date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        var behaviour = Behaviour;
        if (behaviour.ErrorStatus is { } status)
        {
            Interlocked.Increment(ref _errors);
            await ServeErrorAsync(context, status, behaviour.RetryAfterSeconds);
        }
        else if (behaviour.Substitute is { } substitute)
        {
            Interlocked.Increment(ref _substitutes);
            await ServeSubstituteAsync(context, substitute);
        }
        else
        {
            await ServeCurrentAsync(context);
        }
    }

    private async Task ServeCurrentAsync(HttpContext context)
    {
        var current = Current;
        var response = context.Response;
        var headers = response.Headers;
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
        await WriteBodyAsync(context, current);
    }

    /// <summary>A 200 with a body that is not the resource, and only the headers a static file server would send.</summary>
    private async Task ServeSubstituteAsync(HttpContext context, Representation substitute)
    {
        context.Response.Headers.LastModified = substitute.LastModified.ToString("R", CultureInfo.InvariantCulture);
        await WriteBodyAsync(context, substitute);
    }

    private async Task ServeErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "text/plain; charset=utf-8";
        var body = Encoding.UTF8.GetBytes($"{status} {ReasonPhrases.GetReasonPhrase(status)}: please try again later.");
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
        Interlocked.Add(ref _bodyBytesSent, body.Length);
    }

    private async Task WriteBodyAsync(HttpContext context, Representation representation)
    {
        var response = context.Response;
        response.ContentType = representation.ContentType;
        response.ContentLength = representation.Body.Length;
        await response.Body.WriteAsync(representation.Body, context.RequestAborted);
        Interlocked.Add(ref _bodyBytesSent, representation.Body.Length);
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
