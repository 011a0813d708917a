using System.Globalization;
using BenchmarkDotNet.Running;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.StackExchangeRedis.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Every benchmark here needs a redis-server of its own: without the binary, say why and run nothing.
        if (RedisBinaries.Find(out var reason) is null)
        {
            Console.WriteLine($"Skipping the Redis benchmarks: {reason}");
            return 0;
        }

        // --interleaved [rounds]: the noise-resistant check of InterleavedRunner, with the commands each case sends.
        var interleaved = Array.IndexOf(args, "--interleaved");
        if (interleaved >= 0)
        {
            var rounds = interleaved + 1 < args.Length ? int.Parse(args[interleaved + 1], CultureInfo.InvariantCulture) : 21;
            await InterleavedRunner.RunAsync(rounds).ConfigureAwait(false);
            return 0;
        }

        // --backplane [trials]: how soon another instance serves a new version, with the backplane on and off.
        var backplane = Array.IndexOf(args, "--backplane");
        if (backplane >= 0)
        {
            var trials = backplane + 1 < args.Length ? int.Parse(args[backplane + 1], CultureInfo.InvariantCulture) : 50;
            var binaries = RedisBinaries.Find(out var missing) ?? throw new InvalidOperationException(missing);
            await using var server = await RedisServer.StartNewAsync(binaries).ConfigureAwait(false);
            await HttpCaching.Benchmarks.BackplaneLatency.RunAsync(
                "a throwaway redis-server",
                (services, on) => services.AddRedisHttpCache(o => (o.Configuration, o.Backplane) = (server.Endpoint, on)),
                trials).ConfigureAwait(false);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
