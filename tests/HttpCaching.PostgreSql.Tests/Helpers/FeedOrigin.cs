using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// One third-party feed server that several application instances call, each through a stub of its own (so each
/// instance's origin requests are counted apart). Every path has one current version: its ETag is <c>"v{n}"</c>, its
/// body names the path and the version, and <see cref="Publish"/> moves every path to the next version. A request
/// whose <c>If-None-Match</c> names the current version gets a <c>304</c>.
/// </summary>
public sealed class FeedOrigin(TimeProvider time)
{
    private int _version = 1;

    /// <summary>Gets or sets the <c>max-age</c> of every response.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(60);

    public int Version => Volatile.Read(ref _version);

    /// <summary>A new representation of every path, with a new ETag.</summary>
    public void Publish() => Interlocked.Increment(ref _version);

    public static string ETag(int version) => $"\"v{version}\"";

    /// <summary>The body of <paramref name="path"/> at <paramref name="version"/>, a few hundred bytes long.</summary>
    public static string Body(string path, int version) =>
        $"<rss path=\"{path}\" version=\"{version}\"><channel>{string.Concat(Enumerable.Repeat("<item>news</item>", 16))}</channel></rss>";

    /// <summary>A stub of this server for one application instance.</summary>
    public OriginStub CreateStub() => new(Respond);

    private HttpResponseMessage Respond(HttpRequestMessage request)
    {
        var version = Version;
        var etag = ETag(version);
        var response = request.Headers.IfNoneMatch.Any(t => t.Tag == etag)
            ? new HttpResponseMessage(HttpStatusCode.NotModified)
            : new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(Body(request.RequestUri!.AbsolutePath, version), Encoding.UTF8, "application/rss+xml"),
            };
        response.Headers.Date = time.GetUtcNow();
        response.Headers.ETag = EntityTagHeaderValue.Parse(etag);
        response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = MaxAge };
        return response;
    }
}
