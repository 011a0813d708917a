using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Tests.Helpers;

/// <summary>What a <see cref="ChaosRun"/> saw.</summary>
public sealed record ChaosResult(IReadOnlyList<string> Failures, IReadOnlyList<string> WrongBodies, int Hits, int Revalidations, VersionedOrigin Origin)
{
    public string Describe(int count = 5) =>
        $"{Failures.Count} failed requests [{string.Join(" | ", Failures.Take(count))}]; "
        + $"{WrongBodies.Count} wrong bodies [{string.Join(" | ", WrongBodies.Take(count))}]";
}

/// <summary>
/// Sends sequential requests to a <see cref="VersionedOrigin"/> (max-age=10, no floor) through a cached client whose
/// store is built by the caller over a <see cref="RecordingDistributedCache"/> on the given clock. Versions bump now and
/// then, the clock moves 100 ms between requests, and a hung store call is released by advancing the clock by the
/// store timeout once its timer is armed.
/// </summary>
public static class ChaosRun
{
    public const int Urls = 100;
    public const double BumpRate = 0.03;
    public static readonly TimeSpan BetweenRequests = TimeSpan.FromMilliseconds(100);

    public static async Task<ChaosResult> RunAsync(TimerWatchingTimeProvider clock, IDistributedCache store, int requests, int seed)
    {
        var clientName = $"chaos-{Guid.NewGuid():N}";
        var origin = new VersionedOrigin(Urls, "max-age=10", clock);
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton(store),
            origin: new LambdaHandler(origin.SendAsync),
            clientNames: [clientName]);
        clock.Attach(harness.Time);
        var storeTimeout = harness.Options(clientName).StoreTimeout;
        var random = new Random(seed);
        var failures = new List<string>();
        var wrongBodies = new List<string>();
        int hits = 0, revalidations = 0;

        for (var i = 0; i < requests; i++)
        {
            var url = random.Next(Urls);
            if (random.NextDouble() < BumpRate)
            {
                origin.Bump(url);
            }

            var armed = clock.NextTimer;
            var request = harness.GetAsync(VersionedOrigin.UrlOf(url), clientName);
            while (await Task.WhenAny(request, armed) != request)
            {
                armed = clock.NextTimer;
                clock.Advance(storeTimeout);
            }

            HttpResponseMessage response;
            try
            {
                response = await request;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add($"request {i} (url {url}): {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                var cacheStatus = response.CacheStatus();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"request {i} (url {url}): status {(int)response.StatusCode}; {cacheStatus}");
                }
                else if (origin.Check(url, response.Headers.ETag?.Tag, body) is { } problem)
                {
                    wrongBodies.Add($"request {i} (url {url}): {problem}; {cacheStatus}");
                }

                hits += cacheStatus.StartsWith("HttpCaching; hit", StringComparison.Ordinal) ? 1 : 0;
                revalidations += cacheStatus.Contains("fwd-status=304", StringComparison.Ordinal) ? 1 : 0;
            }

            clock.Advance(BetweenRequests);
        }

        return new ChaosResult(failures, wrongBodies, hits, revalidations, origin);
    }
}
