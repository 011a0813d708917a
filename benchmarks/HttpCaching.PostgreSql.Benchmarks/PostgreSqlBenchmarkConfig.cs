using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

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
    public PostgreSqlHitBenchmarkConfig()
    {
        AddColumn(new TargetRatioColumn());
    }
}
