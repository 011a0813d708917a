using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// The third-party feed server every instance calls, in process, through a <see cref="CountingOrigin"/> of its own.
/// Every URL has the clock's current version: ETag <c>"v{n}"</c>, a body that names the path and the version, and
/// <c>Cache-Control: max-age</c> of <see cref="MaxAge"/>; a request whose <c>If-None-Match</c> names the current version
/// gets a <c>304</c>. <see cref="Mode"/> makes it refuse or fail instead.
/// </summary>
internal sealed class FeedOrigin(SoakClock clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    private static readonly string Items = string.Concat(Enumerable.Repeat("<item>news</item>", 16));

    private int _mode = (int)OriginMode.Healthy;

    public OriginMode Mode
    {
        get => (OriginMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    public static string Path(int url) => string.Create(CultureInfo.InvariantCulture, $"/feed/{url}.xml");

    public static string Body(string path, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"<rss path=\"{path}\" version=\"{version}\"><channel>{Items}</channel></rss>");

    /// <summary>The response to <paramref name="request"/> in the current mode; throws in <see cref="OriginMode.Refusing"/>.</summary>
    public HttpResponseMessage Respond(HttpRequestMessage request)
    {
        switch (Mode)
        {
            case OriginMode.Refusing:
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (soak: the origin is refusing).");
            case OriginMode.Unavailable:
                var unavailable = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent("unavailable", Encoding.UTF8, "text/plain"),
                };
                unavailable.Headers.Date = DateTimeOffset.UtcNow;
                return unavailable;
            default:
                break;
        }

        var version = clock.Version;
        var etag = string.Create(CultureInfo.InvariantCulture, $"\"v{version}\"");
        var response = request.Headers.IfNoneMatch.Any(t => t.Tag == etag)
            ? new HttpResponseMessage(HttpStatusCode.NotModified)
            : new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(Body(request.RequestUri!.AbsolutePath, version), Encoding.UTF8, "application/rss+xml"),
            };
        response.Headers.Date = DateTimeOffset.UtcNow;
        response.Headers.ETag = EntityTagHeaderValue.Parse(etag);
        response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = MaxAge };
        return response;
    }
}
