using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

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
            Console.Error.WriteLine("usage: --cpu <ideal|nocache|hit|304|miss> <body size> [seconds] | --cpu hits <body size> <urls> [seconds]");
            Environment.ExitCode = 2;
            return;
        }

        if (args[1] == "hits")
        {
            await RunHitsAsync(args, size);
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

    /// <summary>
    /// Hits over a warm set of <c>urls</c> URLs, in turn, on the default memory store: what a hit costs when more records
    /// are in use than any per-record memo of the process holds.
    /// </summary>
    private static async Task RunHitsAsync(string[] args, int size)
    {
        var urls = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10_000;
        var seconds = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 2;
        var body = new byte[size];
        new Random(1).NextBytes(body);
        var origin = new NoRemoteCallHandler(body, maxAgeSeconds: 60);
        var services = new ServiceCollection();
        services.AddHttpClient("hits")
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.FromDays(1))
            .ConfigurePrimaryHttpMessageHandler(() => origin);
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hits");
        var uris = Enumerable.Range(0, urls).Select(i => new Uri($"https://api.example.test/1/oembed?url=https%3A%2F%2Fexample.com%2F{i}")).ToArray();
        var next = 0;
        async Task<int> HitAsync()
        {
            using var response = await client.GetAsync(uris[next++ % uris.Length]);
            return (await response.Content.ReadAsByteArrayAsync()).Length;
        }

        for (var i = 0; i < urls; i++)
        {
            await HitAsync();
        }

        var warmed = origin.Calls;
        await LoopAsync(HitAsync, TimeSpan.FromSeconds(3));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var requests = await LoopAsync(HitAsync, TimeSpan.FromSeconds(seconds));
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"hits {size} over {urls} URLs: {cpu.TotalNanoseconds / requests:F0} ns cpu per request, {origin.Calls - warmed} origin calls after the warm-up, {requests} requests"));
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
