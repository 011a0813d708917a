using System.Globalization;
using BenchmarkDotNet.Running;
using HttpCaching.PostgreSql.Benchmarks.Soak;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.PostgreSql.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // soak [--seconds N] [--think-ms N] [--connection-options "k=v;..."]: the store-fault soak run of SoakRun, with
        // the real clock, instead of BenchmarkDotNet.
        if (args.Length > 0 && args[0] == "soak")
        {
            var settings = SoakSettings.Parse(args[1..], out var error);
            if (settings is null)
            {
                Console.Error.WriteLine(error);
                return 2;
            }

            return await SoakRun.RunAsync(settings).ConfigureAwait(false);
        }

        // Every benchmark here needs a PostgreSQL server: without one, say why and run nothing.
        if (!PostgreSqlBinaries.IsServerAvailable(out var reason))
        {
            Console.WriteLine($"Skipping the PostgreSQL benchmarks: {reason}");
            return 0;
        }

        // --interleaved [rounds]: the noise-resistant check of InterleavedRunner instead of BenchmarkDotNet.
        // --backplane [trials]: how soon another instance serves a new version, with the backplane on and off.
        var backplane = Array.IndexOf(args, "--backplane");
        if (backplane >= 0)
        {
            var trials = backplane + 1 < args.Length ? int.Parse(args[backplane + 1], CultureInfo.InvariantCulture) : 50;
            await using var database = await BenchmarkDatabase.StartAsync().ConfigureAwait(false);
            await HttpCaching.Benchmarks.BackplaneLatency.RunAsync(
                "a throwaway PostgreSQL",
                (services, on) => services.AddPostgreSqlHttpCache(o => (o.ConnectionString, o.Backplane) = (database.ConnectionString, on)),
                trials).ConfigureAwait(false);
            return 0;
        }

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
