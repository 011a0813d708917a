using System.Globalization;
using BenchmarkDotNet.Running;

namespace HttpCaching.Memcached.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Every benchmark here needs a memcached binary: without one, say why and run nothing.
        if (MemcachedBinaries.Find(out var reason) is null)
        {
            Console.WriteLine($"Skipping the memcached benchmarks: {reason}");
            return 0;
        }

        // --interleaved [rounds]: the noise-resistant check of InterleavedRunner instead of BenchmarkDotNet.
        var interleaved = Array.IndexOf(args, "--interleaved");
        if (interleaved >= 0)
        {
            var rounds = interleaved + 1 < args.Length ? int.Parse(args[interleaved + 1], CultureInfo.InvariantCulture) : 21;
            await InterleavedRunner.RunAsync(rounds).ConfigureAwait(false);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
