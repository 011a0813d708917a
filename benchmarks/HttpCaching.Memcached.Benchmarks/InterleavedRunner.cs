using System.Reflection;
using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using static HttpCaching.Benchmarks.Interleaved;

namespace HttpCaching.Memcached.Benchmarks;

/// <summary>
/// A check for shared, noisy machines (<c>--interleaved</c>): runs the benchmark methods of
/// <see cref="MemcachedHitBenchmark"/>, on the same setup and server, in short batches taken in turn
/// (<see cref="Interleaved"/>), so that every case sees the same background load, and reports each case against the
/// baseline and its target reference as the median of the per-round ratios.
/// </summary>
internal static class InterleavedRunner
{
    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine($"Interleaved: {rounds} rounds of a ~{Batch.TotalMilliseconds:0} ms batch per case, cases in turn; ratios are medians of the per-round ratios.");
        foreach (var size in typeof(MemcachedHitBenchmark).GetProperty(nameof(MemcachedHitBenchmark.BodySize))!.GetCustomAttribute<ParamsAttribute>()!.Values)
        {
            var benchmark = new MemcachedHitBenchmark { BodySize = (int)size! };
            await MeasureAsync(benchmark, $"{nameof(MemcachedHitBenchmark)}, BodySize={size}", rounds).ConfigureAwait(false);
        }
    }

    private static async Task MeasureAsync(MemcachedHitBenchmark benchmark, string title, int rounds)
    {
        var cases = Cases(benchmark);
        var baseline = cases.Single(c => c.Baseline).Name;
        try
        {
            // Inside the try: a setup that fails half-way still stops the server it started.
            benchmark.GlobalSetup();
            var times = await TimeAsync(cases, rounds).ConfigureAwait(false);

            Console.WriteLine();
            Console.WriteLine($"## {title}");
            Console.WriteLine();
            Console.WriteLine("| Case | Median (us/op) | Min (us/op) | vs baseline | Time vs Target Ref |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (name, _, _) in cases)
            {
                var target = MemcachedBenchmarkConfig.Targets.References.TryGetValue(name, out var reference) ? Format(PairedRatio(times[name], times[reference])) : "-";
                Console.WriteLine($"| {name} | {Format(Median(times[name]), "0.0")} | {Format(times[name].Min(), "0.0")} | {Format(PairedRatio(times[name], times[baseline]))} | {target} |");
            }
        }
        finally
        {
            benchmark.GlobalCleanup();
        }
    }
}
