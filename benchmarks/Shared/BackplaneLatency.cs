using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Benchmarks;

/// <summary>
/// How soon a second instance serves a new version another instance stored, with the real clock: instance A and B
/// share one throwaway store (Redis, PostgreSQL) and keep entry records in their near caches for a minute. Each trial stores v1 through A,
/// has B read it (now in B's near cache), has A fetch v2 (a request with <c>no-cache</c>; the origin sends a new
/// ETag), then times B's requests until one returns v2. With the backplane, B's copy is dropped when A's message
/// arrives; without it, B keeps serving v1 for its whole near-cache window.
/// </summary>
public static class BackplaneLatency
{
    private const string Client = "feed";

    /// <param name="store">The store, as the report names it.</param>
    /// <param name="addStore">Registers the shared store, with its backplane on or off.</param>
    /// <param name="trials">Trials for each setting.</param>
    public static async Task RunAsync(string store, Action<IServiceCollection, bool> addStore, int trials)
    {
        Console.WriteLine($"Backplane latency over {store}, {trials} trials per setting, NearCacheEntryDuration 1 minute.");
        Console.WriteLine();
        Console.WriteLine("| Backplane | Trials | B served v2 within | median | p90 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var backplane in new[] { true, false })
        {
            var origin = new VersionedOrigin();
            await using var a = Instance(addStore, origin, backplane);
            await using var b = Instance(addStore, origin, backplane);
            var invokerA = Invoker(a);
            var invokerB = Invoker(b);
            var bound = backplane ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1);
            var latencies = new List<double>();
            var missed = 0;
            for (var trial = 0; trial < trials; trial++)
            {
                var url = string.Create(CultureInfo.InvariantCulture, $"https://api.bench.invalid/feed/{backplane}/{trial}");
                origin.Version = 1;
                Expect(await GetAsync(invokerA, url, noCache: false).ConfigureAwait(false), "v1", "A, the first version");
                Expect(await GetAsync(invokerB, url, noCache: false).ConfigureAwait(false), "v1", "B, the first version");
                origin.Version = 2;
                Expect(await GetAsync(invokerA, url, noCache: true).ConfigureAwait(false), "v2", "A, the new version");
                var stored = Stopwatch.GetTimestamp();
                while (true)
                {
                    if (await GetAsync(invokerB, url, noCache: false).ConfigureAwait(false) == "v2")
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(stored).TotalMilliseconds);
                        break;
                    }

                    if (Stopwatch.GetElapsedTime(stored) > bound)
                    {
                        missed++;
                        break;
                    }

                    await Task.Yield();
                }
            }

            latencies.Sort();
            string Ms(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:F1} ms");
            Console.WriteLine(latencies.Count == 0
                ? $"| {(backplane ? "on" : "off")} | {trials} | never within {bound.TotalSeconds:F0} s ({missed} of {trials}) | | | |"
                : $"| {(backplane ? "on" : "off")} | {trials} | {latencies.Count} of {trials} within {bound.TotalSeconds:F0} s | {Ms(latencies[latencies.Count / 2])} | {Ms(latencies[(int)(latencies.Count * 0.9)])} | {Ms(latencies[^1])} |");
        }
    }

    private static ServiceProvider Instance(Action<IServiceCollection, bool> addStore, VersionedOrigin origin, bool backplane)
    {
        var services = new ServiceCollection();
        addStore(services, backplane);
        services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers().SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        services.AddHttpClient(Client)
            .AddThirdPartyCaching(o => (o.MinimumFreshness, o.NearCacheEntryDuration) = (TimeSpan.FromDays(1), TimeSpan.FromMinutes(1)))
            .ConfigurePrimaryHttpMessageHandler(() => origin);
        return services.BuildServiceProvider();
    }

    private static HttpMessageInvoker Invoker(ServiceProvider services) =>
        new(services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(Client), disposeHandler: false);

    private static async Task<string> GetAsync(HttpMessageInvoker invoker, string url, bool noCache)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (noCache)
        {
            request.Headers.TryAddWithoutValidation("Cache-Control", "no-cache");
        }

        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
    }

    private static void Expect(string body, string expected, string what)
    {
        if (body != expected)
        {
            throw new InvalidOperationException($"Benchmark setup is wrong: {what} came back as '{body}'.");
        }
    }

    /// <summary>An origin whose one representation is the current version: body and strong ETag <c>v{n}</c>.</summary>
    private sealed class VersionedOrigin : HttpMessageHandler
    {
        public volatile int Version = 1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var tag = string.Create(CultureInfo.InvariantCulture, $"\"v{Version}\"");
            var response = request.Headers.IfNoneMatch.Any(t => t.Tag == tag)
                ? new HttpResponseMessage(HttpStatusCode.NotModified)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(tag.Trim('"'), Encoding.UTF8, "text/plain") };
            response.RequestMessage = request;
            response.Headers.TryAddWithoutValidation("ETag", tag);
            response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=3600");
            response.Headers.Date = DateTimeOffset.UtcNow;
            return Task.FromResult(response);
        }
    }
}
