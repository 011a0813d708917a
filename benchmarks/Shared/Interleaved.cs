using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace HttpCaching.Benchmarks;

/// <summary>
/// The timing the store benchmarks' <c>--interleaved</c> checks share: the benchmark methods of one instance, run in
/// short batches taken in turn (case A, B, C, …, then again, a different case first in each round), so that every case
/// sees the same background load; and the medians of per-round ratios they report. None of BenchmarkDotNet's
/// statistics or memory figures: it only tells whether a ratio holds up under load.
/// </summary>
internal static class Interleaved
{
    public static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(100);

    /// <summary>The <c>[Benchmark]</c> methods of <paramref name="benchmark"/>, in declaration order.</summary>
    public static List<(string Name, Func<Task<int>> Run, bool Baseline)> Cases(object benchmark) =>
        [.. benchmark.GetType().GetMethods()
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<BenchmarkAttribute>()))
            .Where(c => c.Attribute is not null)
            .Select(c => (c.Method.Name, c.Method.CreateDelegate<Func<Task<int>>>(benchmark), c.Attribute!.Baseline))];

    /// <summary>Warms every case up, sizes its batch, and returns each case's time per operation (µs) in every round.</summary>
    public static async Task<Dictionary<string, List<double>>> TimeAsync(List<(string Name, Func<Task<int>> Run, bool Baseline)> cases, int rounds)
    {
        var operations = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, run, _) in cases)
        {
            var count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < 2 * Batch)
            {
                await run().ConfigureAwait(false);
                count++;
            }

            operations[name] = Math.Max(1, count / 2);
        }

        var times = cases.ToDictionary(c => c.Name, _ => new List<double>(), StringComparer.Ordinal);
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < cases.Count; i++)
            {
                var (name, run, _) = cases[(i + round) % cases.Count];
                var count = operations[name];
                var clock = Stopwatch.StartNew();
                for (var n = 0; n < count; n++)
                {
                    await run().ConfigureAwait(false);
                }

                times[name].Add(clock.Elapsed.TotalMicroseconds / count);
            }
        }

        return times;
    }

    public static double PairedRatio(List<double> values, List<double> references) =>
        Median(values.Zip(references, (value, reference) => value / reference));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Format(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}
