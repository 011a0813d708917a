using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using HttpCaching.Benchmarks;
using StackExchange.Redis;
using static HttpCaching.Benchmarks.Interleaved;

namespace HttpCaching.StackExchangeRedis.Benchmarks;

/// <summary>
/// A check for shared, noisy machines (<c>--interleaved</c>): runs the benchmark methods of <see cref="RedisHitBenchmark"/>,
/// on the same setup and server, in short batches taken in turn (<see cref="Interleaved"/>), so that every case sees the
/// same background load, and reports each case against the baseline and its target reference as the median of the
/// per-round ratios. It then
/// counts the commands each case makes the server run (<c>INFO commandstats</c> before and after a batch, less the
/// INFO itself), fire-and-forget ones and those of background work included.
/// </summary>
internal static class InterleavedRunner
{
    private const int CountedOperations = 200;

    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine($"Interleaved: {rounds} rounds of a ~{Interleaved.Batch.TotalMilliseconds:0} ms batch per case, cases in turn; ratios are medians of the per-round ratios.");
        foreach (var size in typeof(RedisHitBenchmark).GetProperty(nameof(RedisHitBenchmark.BodySize))!.GetCustomAttribute<ParamsAttribute>()!.Values)
        {
            var benchmark = new RedisHitBenchmark { BodySize = (int)size! };
            await MeasureAsync(benchmark, $"{nameof(RedisHitBenchmark)}, BodySize={size}", rounds).ConfigureAwait(false);
        }
    }

    private static async Task MeasureAsync(RedisHitBenchmark benchmark, string title, int rounds)
    {
        var cases = Interleaved.Cases(benchmark);
        var baseline = cases.Single(c => c.Baseline).Name;

        try
        {
            benchmark.GlobalSetup();
        }
        catch
        {
            // A setup that fails half-way still stops the server it started; its own failure is the one to report.
            try
            {
                benchmark.GlobalCleanup();
            }
            catch (InvalidOperationException)
            {
            }

            throw;
        }

        try
        {
            var times = await Interleaved.TimeAsync(cases, rounds).ConfigureAwait(false);
            await using var admin = await ConnectionMultiplexer.ConnectAsync(benchmark.ServerConnectionString).ConfigureAwait(false);
            Console.WriteLine();
            Console.WriteLine($"## {title}");
            Console.WriteLine();
            Console.WriteLine("| Case | Median (us/op) | Min (us/op) | vs baseline | Time vs Target Ref | Commands/op |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
            foreach (var (name, run, _) in cases)
            {
                var target = RedisBenchmarkConfig.Targets.References.TryGetValue(name, out var reference) ? Format(PairedRatio(times[name], times[reference])) : "-";
                var commands = await CommandsPerOperationAsync(admin, run).ConfigureAwait(false);
                Console.WriteLine($"| {name} | {Format(Median(times[name]), "0.0")} | {Format(times[name].Min(), "0.0")} | {Format(PairedRatio(times[name], times[baseline]))} | {target} | {commands} |");
            }
        }
        finally
        {
            benchmark.GlobalCleanup();
        }
    }

    /// <summary>The commands the server ran per operation of <paramref name="run"/>, by name, such as "2 hmget + 1 pexpire".</summary>
    private static async Task<string> CommandsPerOperationAsync(ConnectionMultiplexer admin, Func<Task<int>> run)
    {
        var before = await CommandStatsAsync(admin).ConfigureAwait(false);
        for (var n = 0; n < CountedOperations; n++)
        {
            await run().ConfigureAwait(false);
        }

        // Fire-and-forget commands and background touches may reach the server a moment after the last response.
        await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
        var after = await CommandStatsAsync(admin).ConfigureAwait(false);
        var perOperation = after
            .Where(c => c.Key != "info")
            .Select(c => (Name: c.Key, Count: (c.Value - before.GetValueOrDefault(c.Key)) / (double)CountedOperations))
            .Where(c => c.Count >= 0.01)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => $"{c.Count.ToString("0.##", CultureInfo.InvariantCulture)} {c.Name}")
            .ToList();
        return perOperation.Count == 0 ? "none" : string.Join(" + ", perOperation);
    }

    /// <summary>The calls of each command the server has run, from <c>INFO commandstats</c> (<c>cmdstat_get:calls=12,…</c>).</summary>
    private static async Task<Dictionary<string, long>> CommandStatsAsync(ConnectionMultiplexer admin)
    {
        var info = (string)(await admin.GetDatabase().ExecuteAsync("INFO", "commandstats").ConfigureAwait(false))!;
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var name = line["cmdstat_".Length..line.IndexOf(':', StringComparison.Ordinal)];
                var calls = line.Split(',')[0].Split('=')[1];
                stats[name] = long.Parse(calls, CultureInfo.InvariantCulture);
            }
        }

        return stats;
    }
}
