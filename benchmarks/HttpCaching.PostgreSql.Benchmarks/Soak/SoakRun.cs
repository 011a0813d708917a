using System.Globalization;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// The store-fault scenario of the fault-run test, as a soak with the real clock (<c>-- soak [--seconds N]
/// [--think-ms N]</c>): a throwaway PostgreSQL from the local binaries, two application instances that share it,
/// <see cref="CallersPerInstance"/> callers per instance over <see cref="Urls"/> URLs whose content changes every 5 s
/// (origin <c>max-age</c> 10 s), through the phases of <see cref="SoakPhase.All"/>: healthy, the server killed with
/// <c>SIGKILL</c> and restarted, paused with <c>SIGSTOP</c> and continued, the origin refusing, then answering 503,
/// then answering again. Prints a table per phase and whether the library's bounds held; exits with 1 when one did not.
/// </summary>
internal static class SoakRun
{
    public const int Instances = 2;
    public const int CallersPerInstance = 8;
    public const int Urls = 200;

    public static async Task<int> RunAsync(SoakSettings settings)
    {
        // The faults need a server of the run's own, so an external HTTPCACHING_POSTGRES server is not used.
        var binaries = PostgreSqlBinaries.Find(out var reason);
        if (binaries is null)
        {
            Console.WriteLine($"Skipping the soak run: {reason}");
            return 0;
        }

        Console.WriteLine(Invariant(
            $"Soak: {Instances} instances x {CallersPerInstance} callers, {Urls} URLs, a new version every {SoakClock.VersionInterval.TotalSeconds:0} s, max-age {FeedOrigin.MaxAge.TotalSeconds:0} s, think {settings.Think.TotalMilliseconds:0} ms, about {settings.Total.TotalSeconds:0} s in all."));
        Console.WriteLine(Invariant($"{Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}, PostgreSQL from {binaries.BinDirectory}."));

        var server = await PostgreSqlServer.StartNewAsync(binaries).ConfigureAwait(false);
        var connectionString = settings.ConnectionOptions.Length == 0 ? server.ConnectionString : $"{server.ConnectionString};{settings.ConnectionOptions}";
        Console.WriteLine($"Store connection string: {connectionString}");
        var faults = new ServerFaults(server);
        var clock = new SoakClock();
        var feed = new FeedOrigin(clock);
        var instances = new List<SoakInstance>();
        try
        {
            for (var i = 0; i < Instances; i++)
            {
                instances.Add(SoakInstance.Start(i, connectionString, clock, feed, Urls));
            }

            using var stop = new CancellationTokenSource();
            clock.Enter(SoakPhase.WarmUp);
            Progress(clock, instances);
            var sampler = new RuntimeSampler(clock);
            var sampling = sampler.RunAsync(stop.Token);
            var callers = instances.Select(i => i.RunCallersAsync(CallersPerInstance, settings.Think, stop.Token)).ToList();

            await PhaseAsync(SoakPhase.WarmUp).ConfigureAwait(false);
            await NextAsync(SoakPhase.Healthy).ConfigureAwait(false);

            await NextAsync(SoakPhase.StoreKilled, faults.KillAsync).ConfigureAwait(false);
            await server.StartAsync().ConfigureAwait(false);
            await NextAsync(SoakPhase.StoreRestarted).ConfigureAwait(false);

            await NextAsync(SoakPhase.StorePaused, faults.PauseAsync).ConfigureAwait(false);
            await faults.ResumeAsync().ConfigureAwait(false);
            await NextAsync(SoakPhase.StoreResumed).ConfigureAwait(false);

            await NextAsync(SoakPhase.OriginRefusing, () => Set(feed, OriginMode.Refusing)).ConfigureAwait(false);
            await NextAsync(SoakPhase.Origin503, () => Set(feed, OriginMode.Unavailable)).ConfigureAwait(false);
            await NextAsync(SoakPhase.OriginBack, () => Set(feed, OriginMode.Healthy)).ConfigureAwait(false);

            await stop.CancelAsync().ConfigureAwait(false);
            var stats = await Task.WhenAll(callers).ConfigureAwait(false);
            await sampling.ConfigureAwait(false);
            clock.Finish();

            var report = new SoakReport(clock, instances, stats, sampler);
            Console.WriteLine();
            Console.WriteLine(report.Render());
            return report.BoundsHeld ? 0 : 1;
        }
        finally
        {
            await faults.ResumeAsync().ConfigureAwait(false);
            foreach (var instance in instances)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }

            await server.DisposeAsync().ConfigureAwait(false);
        }

        // Begins a phase, applies its fault, and waits out its length (the fault's own time included).
        async Task NextAsync(int phase, Func<Task>? fault = null)
        {
            clock.Enter(phase);
            Progress(clock, instances);
            if (fault is not null)
            {
                await fault().ConfigureAwait(false);
            }

            await PhaseAsync(phase).ConfigureAwait(false);
        }

        async Task PhaseAsync(int phase)
        {
            var left = clock.Start(phase) + SoakPhase.All[phase].Length(settings.Total) - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left).ConfigureAwait(false);
            }
        }
    }

    private static Task Set(FeedOrigin feed, OriginMode mode)
    {
        feed.Mode = mode;
        return Task.CompletedTask;
    }

    /// <summary>A line as each phase begins, with the origin requests of the phase before.</summary>
    private static void Progress(SoakClock clock, List<SoakInstance> instances)
    {
        var phase = clock.Phase;
        var before = phase > 0
            ? Invariant($" ({SoakPhase.All[phase - 1].Name}: {string.Join(" / ", instances.Select(i => i.Origin.Requests(phase - 1)))} origin requests)")
            : string.Empty;
        Console.WriteLine(Invariant($"t={clock.Elapsed.TotalSeconds,6:0.0}s  {SoakPhase.All[phase].Name}{before}"));
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
