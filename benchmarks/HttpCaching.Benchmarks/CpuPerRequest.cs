using System.Diagnostics;
using System.Globalization;

namespace HttpCaching.Benchmarks;

/// <summary>
/// One case of <see cref="CachingHandlerBenchmark"/> in a loop, for a steadier figure than wall time on a busy machine:
/// the process's CPU time per request, its allocations and its collections, after a warm-up long enough for tiered
/// compilation to settle. Run each case in its own process, builds and cases interleaved (see the README).
/// </summary>
internal static class CpuPerRequest
{
    public static async Task RunAsync(string[] args)
    {
        if (args.Length < 3 || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var size))
        {
            Console.Error.WriteLine("usage: --cpu <ideal|nocache|hit|304|miss> <body size> [seconds]");
            Environment.ExitCode = 2;
            return;
        }

        var seconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 2;
        var benchmark = new CachingHandlerBenchmark { BodySize = size };
        benchmark.GlobalSetup();
        Func<Task<int>> operation = args[1] switch
        {
            "ideal" => benchmark.IdealCache,
            "nocache" => benchmark.NoCache,
            "hit" => benchmark.Hit,
            "304" => benchmark.Revalidate304,
            "miss" => benchmark.MissAndStore,
            var other => throw new ArgumentException($"Unknown case '{other}'.", nameof(args)),
        };

        await LoopAsync(operation, TimeSpan.FromSeconds(4));
        var collections = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetTotalAllocatedBytes();
        var pause = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var requests = await LoopAsync(operation, TimeSpan.FromSeconds(seconds));
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{args[1]} {size}: {cpu.TotalNanoseconds / requests:F0} ns cpu per request, {(GC.GetTotalAllocatedBytes() - allocated) / requests} B, " +
            $"gc {GC.CollectionCount(0) - collections.Item1}/{GC.CollectionCount(1) - collections.Item2}/{GC.CollectionCount(2) - collections.Item3}, " +
            $"paused {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms, {requests} requests"));
        benchmark.GlobalCleanup();
    }

    private static async Task<long> LoopAsync(Func<Task<int>> operation, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long requests = 0;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 1000; i++)
            {
                await operation();
            }

            requests += 1000;
        }

        return requests;
    }
}
