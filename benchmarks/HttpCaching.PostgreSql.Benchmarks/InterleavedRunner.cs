using System.Reflection;
using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using static HttpCaching.Benchmarks.Interleaved;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// A check for shared, noisy machines (<c>--interleaved</c>): runs the same benchmark methods, on the same setup, in
/// short batches taken in turn (case A, B, C, …, then again), so that every case sees the same background load, and
/// reports each case against the baseline and the target references as the median of the per-round ratios. It has
/// none of BenchmarkDotNet's statistics or memory figures: it only tells whether a ratio holds up under load.
/// </summary>
internal static class InterleavedRunner
{
    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine($"Interleaved: {rounds} rounds of a ~{Interleaved.Batch.TotalMilliseconds:0} ms batch per case, cases in turn; ratios are medians of the per-round ratios.");
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
        var cases = Interleaved.Cases(benchmark);
        var baseline = cases.Single(c => c.Baseline).Name;

        try
        {
            // Inside the try: a setup that fails half-way still stops the server it started.
            type.GetMethod("GlobalSetup")!.Invoke(benchmark, null);
            var times = await Interleaved.TimeAsync(cases, rounds).ConfigureAwait(false);

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
}
