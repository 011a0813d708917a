using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace HttpCaching.Benchmarks;

/// <summary>
/// The stub origin: answers at once, without any I/O, with a new response over a prebuilt body and the headers a
/// typical JSON API sends (Content-Type, ETag, Cache-Control, Date). A conditional request whose
/// <c>If-None-Match</c> names its entity tag gets a 304 instead.
/// </summary>
public sealed class NoRemoteCallHandler : HttpMessageHandler
{
    /// <summary>The entity tag of the one representation this origin serves.</summary>
    public const string ETag = "\"bench-v1\"";

    public const string ContentType = "application/json; charset=utf-8";

    private readonly byte[] _body;
    private readonly string _cacheControl;
    private readonly string _date;
    private int _calls;
    private int _notModified;

    /// <param name="body">The response body, shared by every response (ByteArrayContent only reads it).</param>
    /// <param name="maxAgeSeconds">The <c>max-age</c> the origin gives its responses.</param>
    public NoRemoteCallHandler(byte[] body, int maxAgeSeconds)
    {
        _body = body;
        _cacheControl = string.Create(CultureInfo.InvariantCulture, $"max-age={maxAgeSeconds}");
        _date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
    }

    /// <summary>Gets how many requests reached the origin.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets how many of them were answered with a 304.</summary>
    public int NotModifiedCalls => Volatile.Read(ref _notModified);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(Send(request, cancellationToken));

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);

        if (request.Headers.NonValidated.TryGetValues("If-None-Match", out var tags) && Matches(tags))
        {
            Interlocked.Increment(ref _notModified);
            var notModified = new HttpResponseMessage(HttpStatusCode.NotModified) { RequestMessage = request };
            AddResponseHeaders(notModified);
            return notModified;
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(_body),
        };
        AddResponseHeaders(response);
        response.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        return response;
    }

    private void AddResponseHeaders(HttpResponseMessage response)
    {
        var headers = response.Headers;
        headers.TryAddWithoutValidation("Cache-Control", _cacheControl);
        headers.TryAddWithoutValidation("ETag", ETag);
        headers.TryAddWithoutValidation("Date", _date);
    }

    private static bool Matches(HeaderStringValues tags)
    {
        foreach (var tag in tags)
        {
            if (tag == ETag || tag == "*")
            {
                return true;
            }
        }

        return false;
    }
}
