using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HttpCaching.Benchmarks;

/// <summary>
/// The mean time of a case divided by that of the case it is held to, with the same parameters and job; other cases
/// show "-". The store benchmarks link it (from benchmarks/Shared): the PostgreSQL hits are held to raw SELECTs, the
/// Redis hits to raw GETs.
/// </summary>
/// <param name="references">The case each targeted case is compared with, by method name.</param>
/// <param name="legend">What the column compares, and the targets.</param>
public sealed class TargetRatioColumn(IReadOnlyDictionary<string, string> references, string legend) : IColumn
{
    /// <summary>The case each targeted case is compared with.</summary>
    public IReadOnlyDictionary<string, string> References => references;

    public string Id => "VsTargetReference";

    public string ColumnName => "Time vs Target Ref";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!references.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var referenceName))
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
