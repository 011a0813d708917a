using Microsoft.AspNetCore.Builder;

namespace HttpCaching.Demo;

/// <summary>
/// Local stand-ins for the two third parties, each on a Kestrel host of its own at 127.0.0.1 and a free port: a blog
/// with an RSS feed and a short <c>max-age</c>, and an Embedly-style oEmbed API with an even shorter one. Both send
/// ETags and honour <c>If-None-Match</c>, as the real services do; each phase of the scenario can make them misbehave.
/// </summary>
public sealed class StandInOrigin : IAsyncDisposable
{
    public const string FeedPath = "/feed.xml";
    public const string OEmbedPath = "/1/oembed";

    private readonly TimeProvider _time;
    private StandInHost _blog = null!;
    private StandInHost _embedly = null!;
    private int _feedEdition = 1;

    private StandInOrigin(TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        Feed = new OriginEndpoint(FeedPath, TimeSpan.FromSeconds(300), SampleContent.Feed(_feedEdition, now), time);
        OEmbed = new OriginEndpoint(OEmbedPath, TimeSpan.FromSeconds(60), SampleContent.OEmbed(now.AddDays(-3)), time);
    }

    public OriginEndpoint Feed { get; }

    public OriginEndpoint OEmbed { get; }

    /// <summary>The blog's address, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri FeedBaseAddress => _blog.BaseAddress;

    /// <summary>The oEmbed API's address.</summary>
    public Uri OEmbedBaseAddress => _embedly.BaseAddress;

    public static async Task<StandInOrigin> StartAsync(TimeProvider time, CancellationToken cancellationToken = default)
    {
        var origin = new StandInOrigin(time);
        origin._blog = await StandInHost.StartAsync(app => app.MapGet(FeedPath, origin.Feed.ServeAsync), cancellationToken);
        origin._embedly = await StandInHost.StartAsync(app => app.MapGet(OEmbedPath, origin.OEmbed.ServeAsync), cancellationToken);
        return origin;
    }

    /// <summary>Makes both third parties behave as the phase says: up or down, well or badly.</summary>
    public async Task EnterAsync(Phase phase, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(_blog, Feed, phase.Feed, cancellationToken);
        await ApplyAsync(_embedly, OEmbed, phase.OEmbed, cancellationToken);
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
        await _blog.DisposeAsync();
        await _embedly.DisposeAsync();
    }

    private static async Task ApplyAsync(StandInHost host, OriginEndpoint endpoint, EndpointBehaviour behaviour, CancellationToken cancellationToken)
    {
        endpoint.Behaviour = behaviour;
        if (behaviour.IsUnreachable)
        {
            await host.GoDownAsync();
        }
        else
        {
            await host.ComeBackAsync(cancellationToken);
        }
    }
}
