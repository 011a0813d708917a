using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests;

/// <summary>
/// Ten thousand requests against a store that throws, hangs, drops writes, evicts and returns damaged records at
/// random, in front of an origin whose representations change: every request succeeds, and every body is one the
/// origin sent for that URL under the ETag it is served with.
/// </summary>
public sealed class ChaosTests
{
    private const int Requests = 10_000;

    [Fact]
    public async Task ChaoticStore_VersionedOrigin_EveryRequestSucceedsWithABodyTheOriginSent()
    {
        // The damage is truncation and appended bytes, which the record framing detects. ChaosDistributedCache's
        // CorruptRate also flips bytes in place, which nothing detects yet (no checksum): left out here.
        var clock = new TimerWatchingTimeProvider();
        var damaged = new FramingCorruptingDistributedCache(new RecordingDistributedCache(clock), seed: 1234) { Rate = 0.05 };
        var chaos = new ChaosDistributedCache(damaged, seed: 9111)
        {
            ThrowRate = 0.05,
            HangRate = 0.05,
            DropWriteRate = 0.05,
            EvictRate = 0.05,
        };

        var result = await ChaosRun.RunAsync(clock, chaos, Requests, seed: 5861);

        Assert.True(result.Failures.Count == 0 && result.WrongBodies.Count == 0, result.Describe());
        Assert.True(chaos.Throws > 0 && chaos.Hangs > 0 && damaged.Corruptions > 0, $"throws {chaos.Throws}, hangs {chaos.Hangs}, damaged {damaged.Corruptions}");
        Assert.True(result.Hits > Requests / 10, $"only {result.Hits} hits");
        Assert.True(result.Revalidations > 0 && result.Origin.NotModifiedResponses > 0, "no 304 revalidations");
        Assert.True(result.Origin.FullResponses < Requests / 2, $"{result.Origin.FullResponses} full responses for {Requests} requests");
    }
}
