using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// The mean time of a hit divided by that of the raw SELECTs it is held to, with the same parameters and job:
/// <see cref="PostgreSqlHitBenchmark.HitWithoutNearCache"/> against
/// <see cref="PostgreSqlHitBenchmark.RawSelectEntryAndBody"/>, and
/// <see cref="PostgreSqlHitBenchmark.HitWithNearCacheAfterWindow"/> against
/// <see cref="PostgreSqlHitBenchmark.RawSelectSmallRow"/>. The targets are at most 1.20. Other cases show "-".
/// </summary>
public sealed class TargetRatioColumn : IColumn
{
    /// <summary>The case each targeted case is compared with.</summary>
    internal static readonly Dictionary<string, string> References = new(StringComparer.Ordinal)
    {
        [nameof(PostgreSqlHitBenchmark.HitWithoutNearCache)] = nameof(PostgreSqlHitBenchmark.RawSelectEntryAndBody),
        [nameof(PostgreSqlHitBenchmark.HitWithNearCacheAfterWindow)] = nameof(PostgreSqlHitBenchmark.RawSelectSmallRow),
    };

    public string Id => "VsTargetReference";

    public string ColumnName => "Time vs Target Ref";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend =>
        "Mean time divided by that of the raw SELECTs the case is held to (HitWithoutNearCache: RawSelectEntryAndBody; "
        + "HitWithNearCacheAfterWindow: RawSelectSmallRow), same parameters; target at most 1.20";

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
