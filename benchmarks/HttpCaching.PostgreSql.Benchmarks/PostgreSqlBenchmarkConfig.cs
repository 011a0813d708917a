using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using HttpCaching.Benchmarks;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// Runs every job in process, so that the PostgreSQL server started in <c>GlobalSetup</c> lives exactly as long as
/// the benchmark case that uses it.
/// </summary>
public class PostgreSqlBenchmarkConfig : ManualConfig
{
    public PostgreSqlBenchmarkConfig()
    {
        // A mutator: applied to the job of the command line (--job short) or to the default one, not added beside it.
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator());
    }
}

/// <summary>The in-process job, and the column the targets of <see cref="PostgreSqlHitBenchmark"/> are stated in.</summary>
public sealed class PostgreSqlHitBenchmarkConfig : PostgreSqlBenchmarkConfig
{
    /// <summary>
    /// <see cref="PostgreSqlHitBenchmark.HitWithoutNearCache"/> against <see cref="PostgreSqlHitBenchmark.RawSelectEntryAndBody"/>,
    /// and <see cref="PostgreSqlHitBenchmark.HitWithNearCacheAfterWindow"/> against
    /// <see cref="PostgreSqlHitBenchmark.RawSelectSmallRow"/>; the targets are at most 1.20.
    /// </summary>
    internal static TargetRatioColumn Targets { get; } = new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [nameof(PostgreSqlHitBenchmark.HitWithoutNearCache)] = nameof(PostgreSqlHitBenchmark.RawSelectEntryAndBody),
            [nameof(PostgreSqlHitBenchmark.HitWithNearCacheAfterWindow)] = nameof(PostgreSqlHitBenchmark.RawSelectSmallRow),
        },
        "Mean time divided by that of the raw SELECTs the case is held to (HitWithoutNearCache: RawSelectEntryAndBody; "
        + "HitWithNearCacheAfterWindow: RawSelectSmallRow), same parameters; target at most 1.20");

    public PostgreSqlHitBenchmarkConfig()
    {
        AddColumn(Targets);
    }
}
