using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

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
        AddColumn(new TargetRatioColumn());
    }
}
