using System.Globalization;
using System.Net;
using System.Text;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// An origin with a version counter per URL (<c>https://feeds.example.test/feed/{n}.rss</c>): the body and the strong
/// ETag derive from the URL and the version, a matching <c>If-None-Match</c> gets a 304, and every (URL, version) sent
/// with a body is remembered, so a test can check that what it was served is something the origin sent.
/// </summary>
public sealed class VersionedOrigin(int urls, string cacheControl, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly int[] _versions = new int[urls];
    private readonly HashSet<(int Url, int Version)> _sent = [];
    private int _fullResponses;
    private int _notModified;

    public int FullResponses => Volatile.Read(ref _fullResponses);

    public int NotModifiedResponses => Volatile.Read(ref _notModified);

    public static string UrlOf(int url) => string.Create(CultureInfo.InvariantCulture, $"https://feeds.example.test/feed/{url}.rss");

    public static string Body(int url, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"<rss><channel><title>feed {url}</title><item>version {version}</item>{new string('x', 20 + (url * 7))}</channel></rss>");

    public void Bump(int url)
    {
        lock (_gate)
        {
            _versions[url]++;
        }
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = int.Parse(request.RequestUri!.Segments[^1].Split('.')[0], CultureInfo.InvariantCulture);
        int version;
        lock (_gate)
        {
            version = _versions[url];
        }

        var etag = ETag(url, version);
        HttpResponseMessage response;
        if (request.Headers.IfNoneMatch.Any(t => t.Tag == etag))
        {
            Interlocked.Increment(ref _notModified);
            response = new HttpResponseMessage(HttpStatusCode.NotModified);
        }
        else
        {
            lock (_gate)
            {
                _sent.Add((url, version));
            }

            Interlocked.Increment(ref _fullResponses);
            response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Body(url, version), Encoding.UTF8, "application/rss+xml") };
        }

        response.Headers.Date = time.GetUtcNow();
        response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        response.Headers.TryAddWithoutValidation("ETag", etag);
        return Task.FromResult(response);
    }

    /// <summary>Why a served ETag and body are not what the origin sent for the URL, or <see langword="null"/>.</summary>
    public string? Check(int url, string? etag, string body)
    {
        var parts = etag?.Trim('"').Split('-');
        if (parts is not [var u, var v]
            || !int.TryParse(u, CultureInfo.InvariantCulture, out var servedUrl)
            || !int.TryParse(v, CultureInfo.InvariantCulture, out var version))
        {
            return $"unexpected ETag {etag}";
        }

        if (servedUrl != url)
        {
            return $"ETag {etag} of another URL";
        }

        lock (_gate)
        {
            if (!_sent.Contains((url, version)))
            {
                return $"version {version} was never sent";
            }
        }

        return body == Body(url, version) ? null : $"body does not match {etag}";
    }

    private static string ETag(int url, int version) => string.Create(CultureInfo.InvariantCulture, $"\"{url}-{version}\"");
}
