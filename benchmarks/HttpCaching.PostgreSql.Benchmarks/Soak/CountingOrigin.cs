using System.Globalization;
using System.Net;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// One instance's way to the <see cref="FeedOrigin"/>, the primary handler of its client: counts every request that
/// reaches the origin, in the phase it arrives in, in all, by answer and per URL. It keeps working after the factory
/// disposes it, so one object serves every handler chain the factory builds.
/// </summary>
internal sealed class CountingOrigin : HttpMessageHandler
{
    private readonly FeedOrigin _feed;
    private readonly SoakClock _clock;
    private readonly int[,] _perUrl;
    private readonly int[,] _byAnswer;

    public CountingOrigin(FeedOrigin feed, SoakClock clock, int urls)
    {
        _feed = feed;
        _clock = clock;
        _perUrl = new int[SoakPhase.All.Count, urls];
        _byAnswer = new int[SoakPhase.All.Count, Enum.GetValues<OriginAnswer>().Length];
    }

    public int Urls => _perUrl.GetLength(1);

    /// <summary>The requests that reached the origin in <paramref name="phase"/>.</summary>
    public int Requests(int phase) => Enum.GetValues<OriginAnswer>().Sum(a => Requests(phase, a));

    public int Requests(int phase, OriginAnswer answer) => Volatile.Read(ref _byAnswer[phase, (int)answer]);

    /// <summary>The requests for URL <paramref name="url"/> that reached the origin in <paramref name="phase"/>.</summary>
    public int RequestsForUrl(int phase, int url) => Volatile.Read(ref _perUrl[phase, url]);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var phase = _clock.Phase;
        try
        {
            var response = _feed.Respond(request);
            Count(phase, request, response.StatusCode switch
            {
                HttpStatusCode.OK => OriginAnswer.Ok,
                HttpStatusCode.NotModified => OriginAnswer.NotModified,
                _ => OriginAnswer.Unavailable,
            });
            return Task.FromResult(response);
        }
        catch (HttpRequestException)
        {
            Count(phase, request, OriginAnswer.Refused);
            throw;
        }
    }

    private void Count(int phase, HttpRequestMessage request, OriginAnswer answer)
    {
        if (phase < 0)
        {
            return;
        }

        Interlocked.Increment(ref _byAnswer[phase, (int)answer]);
        if (UrlIndex(request.RequestUri!) is { } url && url < Urls)
        {
            Interlocked.Increment(ref _perUrl[phase, url]);
        }
    }

    /// <summary>The <c>n</c> of <c>/feed/{n}.xml</c>.</summary>
    private static int? UrlIndex(Uri uri)
    {
        var path = uri.AbsolutePath;
        const string Prefix = "/feed/";
        const string Suffix = ".xml";
        return path.StartsWith(Prefix, StringComparison.Ordinal) && path.EndsWith(Suffix, StringComparison.Ordinal)
            && int.TryParse(path.AsSpan(Prefix.Length, path.Length - Prefix.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var url)
            ? url
            : null;
    }
}
