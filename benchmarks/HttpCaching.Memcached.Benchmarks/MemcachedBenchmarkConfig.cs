using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using HttpCaching.Benchmarks;

namespace HttpCaching.Memcached.Benchmarks;

/// <summary>
/// Runs every job in process, so that the memcached server started in <c>GlobalSetup</c> lives exactly as long as the
/// benchmark case that uses it, and adds the column the targets are stated in.
/// </summary>
public sealed class MemcachedBenchmarkConfig : ManualConfig
{
    public MemcachedBenchmarkConfig()
    {
        // A mutator: applied to the job of the command line (--job short) or to the default one, not added beside it.
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator());
        AddColumn(Targets);
    }

    /// <summary>
    /// <see cref="MemcachedHitBenchmark.StoreGet"/> and <see cref="MemcachedHitBenchmark.StoreGetSliding"/> against
    /// <see cref="MemcachedHitBenchmark.RawMg"/> (one round trip), and <see cref="MemcachedHitBenchmark.HitWithoutNearCache"/>
    /// against <see cref="MemcachedHitBenchmark.RawMgEntryAndBody"/> (the two round trips a hit needs); targets at most 1.20.
    /// </summary>
    internal static TargetRatioColumn Targets { get; } = new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [nameof(MemcachedHitBenchmark.StoreGet)] = nameof(MemcachedHitBenchmark.RawMg),
            [nameof(MemcachedHitBenchmark.StoreGetSliding)] = nameof(MemcachedHitBenchmark.RawMg),
            [nameof(MemcachedHitBenchmark.HitWithoutNearCache)] = nameof(MemcachedHitBenchmark.RawMgEntryAndBody),
        },
        "Mean time divided by that of the raw mg round trips the case is held to (StoreGet, StoreGetSliding: RawMg; "
        + "HitWithoutNearCache: RawMgEntryAndBody), same parameters; target at most 1.20");
}
