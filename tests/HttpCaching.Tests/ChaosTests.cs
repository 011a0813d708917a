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
        // The damage is truncation and appended bytes, which the record framing detects; bytes flipped in place are
        // for the checksum, and RecordCorruptionTests runs the same chaos with them.
        var clock = new TimerWatchingTimeProvider();
        var chaos = new ChaosDistributedCache(new RecordingDistributedCache(clock), seed: 9111)
        {
            ThrowRate = 0.05,
            HangRate = 0.05,
            CorruptRate = 0.05,
            Damage = RecordDamage.Framing,
            DropWriteRate = 0.05,
            EvictRate = 0.05,
        };

        var result = await ChaosRun.RunAsync(clock, chaos, Requests, seed: 5861);

        Assert.True(result.Failures.Count == 0 && result.WrongBodies.Count == 0, result.Describe());
        Assert.True(
            chaos.Throws > 0 && chaos.Hangs > 0 && chaos.Corruptions > 0 && chaos.DroppedWrites > 0 && chaos.Evictions > 0,
            $"throws {chaos.Throws}, hangs {chaos.Hangs}, damaged {chaos.Corruptions}, dropped {chaos.DroppedWrites}, evicted {chaos.Evictions}");
        Assert.True(result.Hits > Requests / 10, $"only {result.Hits} hits");
        Assert.True(result.Revalidations > 0 && result.Origin.NotModifiedResponses > 0, "no 304 revalidations");
        Assert.True(result.Origin.FullResponses < Requests / 2, $"{result.Origin.FullResponses} full responses for {Requests} requests");
    }
}
