using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// One application instance, set up as the README says: a service provider of its own with the PostgreSQL store
/// (<c>AddPostgreSqlHttpCache</c>, default options) and a named client with <c>AddThirdPartyCaching</c>
/// (<c>MinimumFreshness</c> = 0, so the origin's <c>max-age</c> rules; every other option at its default), whose
/// primary handler is the instance's <see cref="CountingOrigin"/>. Its callers send GETs for random URLs in a loop and
/// check every response; it remembers the newest version it served for each URL.
/// </summary>
internal sealed partial class SoakInstance : IAsyncDisposable
{
    public const string ClientName = "feeds";

    public static readonly Uri BaseAddress = new("https://feeds.example/");

    private readonly ServiceProvider _provider;
    private readonly SoakClock _clock;
    private readonly HttpClient _client;
    private readonly int[] _newest;

    private SoakInstance(int index, ServiceProvider provider, SoakClock clock, CountingOrigin origin, LogEventTally events)
    {
        Index = index;
        Name = ((char)('A' + index)).ToString();
        _provider = provider;
        _clock = clock;
        Origin = origin;
        Events = events;
        _client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
        _newest = new int[origin.Urls];
    }

    /// <summary>Gets the instance's number, from 0, which also seeds its callers' choice of URLs.</summary>
    public int Index { get; }

    /// <summary>Gets the instance's name in the report: A, B, ….</summary>
    public string Name { get; }

    public CountingOrigin Origin { get; }

    public LogEventTally Events { get; }

    public static SoakInstance Start(int index, string connectionString, SoakClock clock, FeedOrigin feed, int urls)
    {
        var origin = new CountingOrigin(feed, clock, urls);
        var events = new LogEventTally(clock);
        var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(events));
        services.AddPostgreSqlHttpCache(o => o.ConnectionString = connectionString);
        services.AddHttpClient(ClientName)
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.Zero)
            .ConfigurePrimaryHttpMessageHandler(() => origin);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return new SoakInstance(index, provider, clock, origin, events);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="callers"/> callers until <paramref name="stop"/> is cancelled (a request in flight then
    /// finishes); returns what they saw, per phase.
    /// </summary>
    public async Task<PhaseStats[]> RunCallersAsync(int callers, TimeSpan think, CancellationToken stop)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() => CallAsync(c, think, stop), CancellationToken.None))).ConfigureAwait(false);
        var merged = NewStats();
        foreach (var result in results)
        {
            for (var phase = 0; phase < merged.Length; phase++)
            {
                merged[phase].Add(result[phase]);
            }
        }

        return merged;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync().ConfigureAwait(false);
    }

    private static PhaseStats[] NewStats() => [.. SoakPhase.All.Select(_ => new PhaseStats())];

    [GeneratedRegex("; ttl=-?[0-9]+")]
    private static partial Regex TtlPattern();

    private async Task<PhaseStats[]> CallAsync(int caller, TimeSpan think, CancellationToken stop)
    {
        var stats = NewStats();
        var random = new Random((Index * 1000) + caller);
        while (!stop.IsCancellationRequested)
        {
            var phase = _clock.Phase;
            if (phase < 0)
            {
                break;
            }

            var url = random.Next(_newest.Length);
            var path = FeedOrigin.Path(url);
            var floor = Volatile.Read(ref _newest[url]);
            var at = _clock.Elapsed.TotalSeconds;
            var started = Stopwatch.GetTimestamp();
            try
            {
                // Not cancelled by stop: a request in flight when the run ends finishes and is counted.
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, path));
                using var response = await _client.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false);
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var cacheStatus = response.Headers.TryGetValues(HttpCachingDiagnostics.CacheStatusHeader, out var values) ? string.Join(", ", values) : "(none)";
                var status = stats[phase];
                var sample = string.Create(
                    CultureInfo.InvariantCulture,
                    $"t={at:0.0}s instance {Name} {path}: {(int)response.StatusCode}, Cache-Status '{cacheStatus}', Age {response.Headers.Age?.TotalSeconds}, {latency:0} ms");
                status.Served(latency, TtlPattern().Replace(cacheStatus, string.Empty), () => sample);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    status.Fail(sample);
                    continue;
                }

                var version = VersionOf(body, path);
                if (version is null || response.Headers.ETag?.Tag != string.Create(CultureInfo.InvariantCulture, $"\"v{version}\""))
                {
                    status.Wrong($"{sample}, ETag {response.Headers.ETag}, body '{body[..Math.Min(60, body.Length)]}'");
                    continue;
                }

                if (version < floor)
                {
                    status.TravelledBack(string.Create(CultureInfo.InvariantCulture, $"{sample}: v{version} after v{floor}"));
                }

                RaiseNewest(url, version.Value);
            }
#pragma warning disable CA1031 // A soak counts every failure a caller sees, whatever its type.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var sample = string.Create(
                    CultureInfo.InvariantCulture,
                    $"t={at:0.0}s instance {Name} {path}: {ex.GetType().Name}: {ex.Message}{(ex.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : string.Empty)}, {latency:0} ms");
                stats[phase].Served(latency, "(exception)", () => sample);
                stats[phase].Fail(sample);
            }
            finally
            {
                if (think > TimeSpan.Zero && !stop.IsCancellationRequested)
                {
                    await Task.Delay(think, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        return stats;
    }

    /// <summary>The version the body names, when it is the body of <paramref name="path"/>.</summary>
    private static int? VersionOf(string body, string path)
    {
        var prefix = $"<rss path=\"{path}\" version=\"";
        if (!body.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = body.IndexOf('"', prefix.Length);
        return end > prefix.Length && int.TryParse(body.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;
    }

    private void RaiseNewest(int url, int version)
    {
        var current = Volatile.Read(ref _newest[url]);
        while (version > current)
        {
            var seen = Interlocked.CompareExchange(ref _newest[url], version, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
