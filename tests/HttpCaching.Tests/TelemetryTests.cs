using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

public sealed class TelemetryTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost&key=TOPSECRET";

    [Fact]
    public async Task Metrics_CountOutcomesAndBytesPerClient()
    {
        var client = $"metrics-{Guid.NewGuid():N}";
        using var metrics = new MetricsCollector(client);
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, clientNames: [client]);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("0123456789", "max-age=60", "\"v1\""));
        harness.Origin.When(HttpMethod.Post, Url).Respond(HttpStatusCode.Accepted);

        await harness.GetAsync(Url, client);
        await harness.GetAsync(Url, client);
        await harness.GetAsync(Url, client);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await harness.GetAsync(Url, client);
        using var post = await harness.Client(client).PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken);

        Assert.Equal(1, metrics.Sum(HttpCachingDiagnostics.RequestsInstrument, HttpCachingDiagnostics.OutcomeMiss));
        Assert.Equal(2, metrics.Sum(HttpCachingDiagnostics.RequestsInstrument, HttpCachingDiagnostics.OutcomeHit));
        Assert.Equal(1, metrics.Sum(HttpCachingDiagnostics.RequestsInstrument, HttpCachingDiagnostics.OutcomeRevalidated));
        Assert.Equal(1, metrics.Sum(HttpCachingDiagnostics.RequestsInstrument, HttpCachingDiagnostics.OutcomeBypass));
        Assert.Equal(30, metrics.Sum(HttpCachingDiagnostics.CacheBytesInstrument));
        Assert.Equal(10, metrics.Sum(HttpCachingDiagnostics.OriginBytesInstrument));
    }

    [Fact]
    public async Task Metrics_StoreErrorsAreCounted()
    {
        var client = $"store-errors-{Guid.NewGuid():N}";
        using var metrics = new MetricsCollector(client);
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<IDistributedCache>(new ThrowingDistributedCache()), clientNames: [client]);
        harness.Origin.When(Url).Respond(_ => harness.Response("x", "max-age=60"));

        await harness.GetAsync(Url, client);

        Assert.Equal(2, metrics.Sum(HttpCachingDiagnostics.StoreErrorsInstrument));
    }

    [Fact]
    public async Task Logs_HaveConstantEventIdsAndNeverTheQueryStringOrKeys()
    {
        var logs = new CollectingLoggerProvider();
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            services: s => s.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60", "\"v1\""));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await harness.GetAsync(Url);
        harness.Store.Put(Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal)), [0]);
        await harness.GetAsync(Url);

        var ours = logs.Entries.Where(e => e.Category.StartsWith("HttpCaching", StringComparison.Ordinal)).ToArray();
        var ids = ours.Select(e => e.EventId.Id).ToHashSet();
        Assert.Contains(ClientCache.Log.HitId, ids);
        Assert.Contains(ClientCache.Log.StoredId, ids);
        Assert.Contains(ClientCache.Log.RevalidatedId, ids);
        Assert.Contains(ClientCache.Log.UnreadableRecordId, ids);
        Assert.Contains(ours, e => e.EventId.Name == "CacheHit" && e.Message.Contains("https://api.example.test/oembed", StringComparison.Ordinal));
        foreach (var entry in ours)
        {
            Assert.DoesNotContain("TOPSECRET", entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("?", entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("httpcaching:", entry.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Logs_StoreFailureIsAWarningWithTheException()
    {
        var logs = new CollectingLoggerProvider();
        using var harness = new CachingHarness(
            registerStore: false,
            services: s =>
            {
                s.AddSingleton<IDistributedCache>(new ThrowingDistributedCache());
                s.AddLogging(b => b.AddProvider(logs));
            });
        harness.Origin.When(Url).Respond(_ => harness.Response("x", "max-age=60"));

        await harness.GetAsync(Url);

        var failures = logs.Entries.Where(e => e.EventId.Id == GuardedStore.Log.StoreFailedId).ToArray();
        Assert.Equal(2, failures.Length);
        Assert.All(failures, f => Assert.Equal(LogLevel.Warning, f.Level));
        Assert.All(failures, f => Assert.IsType<InvalidOperationException>(f.Exception));
        Assert.Contains(failures, f => f.Message.Contains("(get)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains("(set)", StringComparison.Ordinal));
    }
}
