using System.Diagnostics;

namespace HttpCaching.Demo;

/// <summary>
/// Plays <see cref="ScenarioPlan"/>: an application that polls an RSS feed and fetches an oEmbed document once a
/// simulated minute each, through <c>IHttpClientFactory</c>, while the stand-in origin goes through the plan's phases.
/// </summary>
public sealed class Scenario(IHttpClientFactory clientFactory, SimulatedTimeProvider time, StandInOrigin origin, IReadOnlyList<DemoClient> clients)
{
    private bool _feedUpdated;

    public Timeline Timeline { get; } = new();

    /// <summary>The responses to the burst's concurrent requests.</summary>
    public IReadOnlyList<AppResponse> BurstResponses { get; private set; } = [];

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        Phase? phase = null;
        while (time.Elapsed < ScenarioPlan.Duration)
        {
            phase = await EnterPhaseAsync(phase, cancellationToken);
            PublishFeedUpdateWhenDue();
            foreach (var client in clients)
            {
                if (time.Elapsed == ScenarioPlan.Burst.At && client.Name == ScenarioPlan.Burst.ClientName)
                {
                    BurstResponses = await SendBurstAsync(client, phase, ScenarioPlan.Burst, cancellationToken);
                }
                else
                {
                    Record(client, await SendAsync(client, phase, cancellationToken));
                }
            }

            time.Advance(ScenarioPlan.Interval);
        }
    }

    /// <summary>Moves the stand-in origin into the phase of the current time, if it is not there yet.</summary>
    private async Task<Phase> EnterPhaseAsync(Phase? current, CancellationToken cancellationToken)
    {
        var phase = ScenarioPlan.PhaseAt(time.Elapsed);
        if (phase != current)
        {
            await origin.EnterAsync(phase, cancellationToken);
            Timeline.OriginChanged(time.Elapsed, $"{phase.Name} — rss: {phase.Feed.Description}; embedly: {phase.OEmbed.Description}");
        }

        return phase;
    }

    private void PublishFeedUpdateWhenDue()
    {
        if (!_feedUpdated && time.Elapsed >= ScenarioPlan.FeedUpdateAt)
        {
            var feed = origin.PublishFeedUpdate();
            Timeline.OriginChanged(time.Elapsed, $"publishes a new feed, ETag {feed.ETag}");
            _feedUpdated = true;
        }
    }

    /// <summary>Sends the burst's requests all at once, while the origin is slow enough for them to overlap.</summary>
    private async Task<AppResponse[]> SendBurstAsync(DemoClient client, Phase phase, Burst burst, CancellationToken cancellationToken)
    {
        client.Endpoint.Latency = burst.OriginLatency;
        var responses = await Task.WhenAll(Enumerable.Range(0, burst.Requests).Select(_ => SendAsync(client, phase, cancellationToken)));
        client.Endpoint.Latency = TimeSpan.Zero;
        foreach (var response in responses)
        {
            Record(client, response);
        }

        return responses;
    }

    private void Record(DemoClient client, AppResponse response)
    {
        client.Traffic.Record(response);
        if (response.Info.ContactedOrigin)
        {
            Timeline.Contact(response.At, client.Name, response.CacheStatus);
        }
    }

    /// <summary>
    /// One request as the application makes it, and a check of the body it got; an error status or an exception is
    /// recorded, not thrown.
    /// </summary>
    private async Task<AppResponse> SendAsync(DemoClient client, Phase phase, CancellationToken cancellationToken)
    {
        var httpClient = clientFactory.CreateClient(client.Name);
        var at = time.Elapsed;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await httpClient.GetAsync(client.RequestUri, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started);
            var cacheStatus = response.Headers.TryGetValues(HttpCachingDiagnostics.CacheStatusHeader, out var values) ? string.Join(", ", values) : "(none)";
            var expected = client.Accepts(response.Content.Headers.ContentType?.MediaType, body);
            return new AppResponse(at, phase, (int)response.StatusCode, expected, cacheStatus, body.Length, latency);
        }
        catch (HttpRequestException ex)
        {
            return new AppResponse(at, phase, StatusCode: null, Expected: false, "(no response)", 0, Stopwatch.GetElapsedTime(started), ex.Message);
        }
    }
}
