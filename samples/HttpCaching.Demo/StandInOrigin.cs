using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace HttpCaching.Demo;

/// <summary>
/// A local stand-in for the two third parties, on Kestrel at 127.0.0.1 and a free port: an RSS feed with a short
/// <c>max-age</c> and an Embedly-style oEmbed endpoint with an even shorter one. Both send ETags and honour
/// <c>If-None-Match</c>, as the real services do.
/// </summary>
public sealed class StandInOrigin : IAsyncDisposable
{
    public const string FeedPath = "/feed.xml";
    public const string OEmbedPath = "/1/oembed";

    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private int _feedEdition = 1;

    private StandInOrigin(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
        var now = time.GetUtcNow();
        Feed = new OriginEndpoint(FeedPath, TimeSpan.FromSeconds(300), SampleContent.Feed(_feedEdition, now), time);
        OEmbed = new OriginEndpoint(OEmbedPath, TimeSpan.FromSeconds(60), SampleContent.OEmbed(now.AddDays(-3)), time);
        app.MapGet(FeedPath, Feed.ServeAsync);
        app.MapGet(OEmbedPath, OEmbed.ServeAsync);
    }

    /// <summary>The address Kestrel bound to, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public OriginEndpoint Feed { get; }

    public OriginEndpoint OEmbed { get; }

    public static async Task<StandInOrigin> StartAsync(TimeProvider time, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var origin = new StandInOrigin(builder.Build(), time);
        await origin._app.StartAsync(cancellationToken);
        origin.BaseAddress = new Uri(origin._app.Urls.Single() + "/");
        return origin;
    }

    /// <summary>Publishes the next edition of the feed: a new body, so a new ETag and a new version in the cache.</summary>
    public Representation PublishFeedUpdate()
    {
        var next = SampleContent.Feed(Interlocked.Increment(ref _feedEdition), _time.GetUtcNow());
        Feed.Publish(next);
        return next;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
