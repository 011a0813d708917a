using BenchmarkDotNet.Configs;

namespace HttpCaching.Benchmarks;

/// <summary>Adds the columns that compare every case with the ideal in-process cache.</summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddColumn(new IdealRatioColumn(allocations: false), new IdealRatioColumn(allocations: true));
    }
}
