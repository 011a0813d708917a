using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using HttpCaching.Benchmarks;

namespace HttpCaching.StackExchangeRedis.Benchmarks;

/// <summary>
/// Runs every job in process, so that the redis-server started in <c>GlobalSetup</c> lives exactly as long as the
/// benchmark case that uses it, with the column the targets of <see cref="RedisHitBenchmark"/> are stated in.
/// </summary>
public sealed class RedisBenchmarkConfig : ManualConfig
{
    public RedisBenchmarkConfig()
    {
        // A mutator: applied to the job of the command line (--job short) or to the default one, not added beside it.
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator());
        AddColumn(Targets);
    }

    /// <summary>
    /// <see cref="RedisHitBenchmark.HitWithoutNearCache"/> against <see cref="RedisHitBenchmark.RawGetBody"/> (target at
    /// most 2.40), and <see cref="RedisHitBenchmark.HitWithNearCacheAfterWindow"/> against
    /// <see cref="RedisHitBenchmark.RawGetSmall"/> (target at most 1.20).
    /// </summary>
    internal static TargetRatioColumn Targets { get; } = new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [nameof(RedisHitBenchmark.HitWithoutNearCache)] = nameof(RedisHitBenchmark.RawGetBody),
            [nameof(RedisHitBenchmark.HitWithNearCacheAfterWindow)] = nameof(RedisHitBenchmark.RawGetSmall),
        },
        "Mean time divided by that of the raw GET the case is held to (HitWithoutNearCache: RawGetBody, target at most 2.40; "
        + "HitWithNearCacheAfterWindow: RawGetSmall, target at most 1.20), same parameters");
}
