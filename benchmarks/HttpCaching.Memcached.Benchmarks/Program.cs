using BenchmarkDotNet.Running;

namespace HttpCaching.Memcached.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        // Every benchmark here needs a memcached binary: without one, say why and run nothing.
        if (MemcachedBinaries.Find(out var reason) is null)
        {
            Console.WriteLine($"Skipping the memcached benchmarks: {reason}");
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
