using System.Diagnostics;

namespace HttpCaching.Demo;

/// <summary>
/// Six simulated hours of an application that polls an RSS feed and fetches an oEmbed document once a simulated
/// minute each, through <c>IHttpClientFactory</c>. Part-way through, the third party publishes a new feed.
/// </summary>
public sealed class Scenario(IHttpClientFactory clientFactory, SimulatedTimeProvider time, StandInOrigin origin)
{
    public static readonly TimeSpan Duration = TimeSpan.FromHours(6);
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FeedUpdateAt = TimeSpan.FromMinutes(190);

    private readonly List<TimelineEntry> _timeline = [];

    public IReadOnlyList<ClientTraffic> Clients { get; } =
    [
        new(ClientNames.Rss, origin.Feed, new Uri(StandInOrigin.FeedPath, UriKind.Relative)),
        new(ClientNames.Embedly, origin.OEmbed, new Uri(StandInOrigin.OEmbedPath + "?url=https%3A%2F%2Fvideo.example.com%2Fwatch%3Fv%3Dx7Gq2Lm&format=json", UriKind.Relative)),
    ];

    /// <summary>Origin contacts and origin changes, in simulated time order.</summary>
    public IReadOnlyList<TimelineEntry> Timeline => _timeline;

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var feedUpdated = false;
        while (time.Elapsed < Duration)
        {
            if (!feedUpdated && time.Elapsed >= FeedUpdateAt)
            {
                var feed = origin.PublishFeedUpdate();
                _timeline.Add(new TimelineEntry(time.Elapsed, TimelineEntry.Origin, $"publishes a new feed, ETag {feed.ETag}"));
                feedUpdated = true;
            }

            foreach (var traffic in Clients)
            {
                await SendAsync(traffic, cancellationToken);
            }

            time.Advance(Interval);
        }
    }

    private async Task SendAsync(ClientTraffic traffic, CancellationToken cancellationToken)
    {
        var client = clientFactory.CreateClient(traffic.Name);
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(traffic.RequestUri, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var latency = Stopwatch.GetElapsedTime(started);

        var cacheStatus = response.Headers.TryGetValues(HttpCachingDiagnostics.CacheStatusHeader, out var values) ? string.Join(", ", values) : "(none)";
        if (traffic.Record(time.Elapsed, cacheStatus, latency, body.Length))
        {
            _timeline.Add(new TimelineEntry(time.Elapsed, traffic.Name, cacheStatus));
        }
    }
}
