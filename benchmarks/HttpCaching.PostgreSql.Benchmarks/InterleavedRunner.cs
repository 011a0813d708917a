using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// A check for shared, noisy machines (<c>--interleaved</c>): runs the same benchmark methods, on the same setup, in
/// short batches taken in turn (case A, B, C, …, then again), so that every case sees the same background load, and
/// reports each case against the baseline and the target references as the median of the per-round ratios. It has
/// none of BenchmarkDotNet's statistics or memory figures: it only tells whether a ratio holds up under load.
/// </summary>
internal static class InterleavedRunner
{
    private static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(100);

    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine($"Interleaved: {rounds} rounds of a ~{Batch.TotalMilliseconds:0} ms batch per case, cases in turn; ratios are medians of the per-round ratios.");
        foreach (var type in new[] { typeof(PostgreSqlHitBenchmark), typeof(PostgreSqlReadBreakdownBenchmark) })
        {
            var parameter = type.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<ParamsAttribute>() is not null);
            foreach (var value in parameter?.GetCustomAttribute<ParamsAttribute>()!.Values ?? [null])
            {
                var benchmark = Activator.CreateInstance(type)!;
                parameter?.SetValue(benchmark, value);
                var title = parameter is null ? type.Name : $"{type.Name}, {parameter.Name}={value}";
                await MeasureAsync(benchmark, title, rounds).ConfigureAwait(false);
            }
        }
    }

    private static async Task MeasureAsync(object benchmark, string title, int rounds)
    {
        var type = benchmark.GetType();
        var cases = type.GetMethods()
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<BenchmarkAttribute>()))
            .Where(c => c.Attribute is not null)
            .Select(c => (Name: c.Method.Name, Run: c.Method.CreateDelegate<Func<Task<int>>>(benchmark), c.Attribute!.Baseline))
            .ToList();
        var baseline = cases.Single(c => c.Baseline).Name;

        try
        {
            // Inside the try: a setup that fails half-way still stops the server it started.
            type.GetMethod("GlobalSetup")!.Invoke(benchmark, null);

            // Warm up every case and size its batch.
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
                // A different case goes first in each round.
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

            Console.WriteLine();
            Console.WriteLine($"## {title}");
            Console.WriteLine();
            Console.WriteLine("| Case | Median (us/op) | Min (us/op) | vs baseline | Time vs Target Ref |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (name, _, _) in cases)
            {
                var target = PostgreSqlHitBenchmarkConfig.Targets.References.TryGetValue(name, out var reference) ? Format(PairedRatio(times[name], times[reference])) : "-";
                Console.WriteLine($"| {name} | {Format(Median(times[name]), "0.0")} | {Format(times[name].Min(), "0.0")} | {Format(PairedRatio(times[name], times[baseline]))} | {target} |");
            }
        }
        finally
        {
            type.GetMethod("GlobalCleanup")!.Invoke(benchmark, null);
        }
    }

    private static double PairedRatio(List<double> values, List<double> references) =>
        Median(values.Zip(references, (value, reference) => value / reference));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Format(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}
