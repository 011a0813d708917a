using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HttpCaching.Memcached.Benchmarks;

/// <summary>
/// The mean time of a read through the store divided by that of the raw <c>mg</c>s it is held to, with the same
/// parameters and job: <see cref="MemcachedHitBenchmark.StoreGet"/> and <see cref="MemcachedHitBenchmark.StoreGetSliding"/>
/// against <see cref="MemcachedHitBenchmark.RawMg"/> (one round trip), and
/// <see cref="MemcachedHitBenchmark.HitWithoutNearCache"/> against <see cref="MemcachedHitBenchmark.RawMgEntryAndBody"/>
/// (the two round trips a hit needs). The targets are at most 1.20. Other cases show "-".
/// </summary>
public sealed class TargetRatioColumn : IColumn
{
    /// <summary>The case each targeted case is compared with.</summary>
    internal static readonly Dictionary<string, string> References = new(StringComparer.Ordinal)
    {
        [nameof(MemcachedHitBenchmark.StoreGet)] = nameof(MemcachedHitBenchmark.RawMg),
        [nameof(MemcachedHitBenchmark.StoreGetSliding)] = nameof(MemcachedHitBenchmark.RawMg),
        [nameof(MemcachedHitBenchmark.HitWithoutNearCache)] = nameof(MemcachedHitBenchmark.RawMgEntryAndBody),
    };

    public string Id => "VsTargetReference";

    public string ColumnName => "Time vs Target Ref";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend =>
        "Mean time divided by that of the raw mg round trips the case is held to (StoreGet, StoreGetSliding: RawMg; "
        + "HitWithoutNearCache: RawMgEntryAndBody), same parameters; target at most 1.20";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!References.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var referenceName))
        {
            return "-";
        }

        var reference = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == referenceName
            && c.Descriptor.Type == benchmarkCase.Descriptor.Type
            && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo
            && c.Parameters.ValueInfo == benchmarkCase.Parameters.ValueInfo);
        var value = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var baseline = reference is null ? null : summary[reference]?.ResultStatistics?.Mean;
        return value is { } v && baseline is > 0 ? (v / baseline.Value).ToString("0.00", CultureInfo.InvariantCulture) : "?";
    }

    public override string ToString() => ColumnName;
}
