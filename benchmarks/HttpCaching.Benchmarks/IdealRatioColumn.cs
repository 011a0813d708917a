using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HttpCaching.Benchmarks;

/// <summary>
/// A case's mean time, or its allocations, divided by those of <see cref="CachingHandlerBenchmark.IdealCache"/> with the
/// same parameters and job: the numbers the targets are stated in.
/// </summary>
/// <param name="allocations">Whether to compare allocated bytes per operation instead of the mean time.</param>
public sealed class IdealRatioColumn(bool allocations) : IColumn
{
    public string Id => allocations ? "VsIdealAlloc" : "VsIdealTime";

    public string ColumnName => allocations ? "Alloc vs Ideal" : "Time vs Ideal";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => allocations ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => allocations
        ? "Allocated bytes per operation divided by those of IdealCache with the same parameters"
        : "Mean time divided by that of IdealCache with the same parameters";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var ideal = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == nameof(CachingHandlerBenchmark.IdealCache)
            && c.Descriptor.Type == benchmarkCase.Descriptor.Type
            && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo
            && c.Parameters.ValueInfo == benchmarkCase.Parameters.ValueInfo);
        if (ideal is null)
        {
            return "?";
        }

        var value = Measure(summary, benchmarkCase);
        var baseline = Measure(summary, ideal);
        return value is { } v && baseline is > 0 ? (v / baseline.Value).ToString("0.00", CultureInfo.InvariantCulture) : "?";
    }

    public override string ToString() => ColumnName;

    private double? Measure(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        if (report is null)
        {
            return null;
        }

        return allocations
            ? report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase)
            : report.ResultStatistics?.Mean;
    }
}
