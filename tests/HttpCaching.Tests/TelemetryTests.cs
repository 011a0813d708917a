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
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, clientNames: [client]);
        using var requests = harness.Metric(HttpCachingDiagnostics.RequestsInstrument);
        using var cacheBytes = harness.Metric(HttpCachingDiagnostics.CacheBytesInstrument);
        using var originBytes = harness.Metric(HttpCachingDiagnostics.OriginBytesInstrument);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("0123456789", "max-age=60", "\"v1\""));
        harness.Origin.When(HttpMethod.Post, Url).Respond(HttpStatusCode.Accepted);

        await harness.GetAsync(Url, client);
        await harness.GetAsync(Url, client);
        await harness.GetAsync(Url, client);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await harness.GetAsync(Url, client);
        using var post = await harness.Client(client).PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken);

        Assert.Equal(1, requests.Sum((HttpCachingDiagnostics.ClientNameTag, client), (HttpCachingDiagnostics.OutcomeTag, HttpCachingDiagnostics.OutcomeMiss)));
        Assert.Equal(2, requests.Sum((HttpCachingDiagnostics.ClientNameTag, client), (HttpCachingDiagnostics.OutcomeTag, HttpCachingDiagnostics.OutcomeHit)));
        Assert.Equal(1, requests.Sum((HttpCachingDiagnostics.ClientNameTag, client), (HttpCachingDiagnostics.OutcomeTag, HttpCachingDiagnostics.OutcomeRevalidated)));
        Assert.Equal(1, requests.Sum((HttpCachingDiagnostics.ClientNameTag, client), (HttpCachingDiagnostics.OutcomeTag, HttpCachingDiagnostics.OutcomeBypass)));
        Assert.Equal(30, cacheBytes.Sum((HttpCachingDiagnostics.ClientNameTag, client)));
        Assert.Equal(10, originBytes.Sum((HttpCachingDiagnostics.ClientNameTag, client)));
    }

    [Fact]
    public async Task Metrics_StoreErrorsAreCounted()
    {
        var client = $"store-errors-{Guid.NewGuid():N}";
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<IDistributedCache>(ChaosDistributedCache.Down()), clientNames: [client]);
        using var storeErrors = harness.Metric(HttpCachingDiagnostics.StoreErrorsInstrument);
        harness.Origin.When(Url).Respond(_ => harness.Response("x", "max-age=60"));

        await harness.GetAsync(Url, client);

        // The read, the read again before the write (a failed read says nothing of what another instance stored
        // meanwhile), and the write.
        Assert.Equal(3, storeErrors.Sum((HttpCachingDiagnostics.ClientNameTag, client)));
    }

    [Fact]
    public async Task Logs_HaveConstantEventIdsAndNeverTheQueryStringOrKeys()
    {
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            services: s => s.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace)));
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60", "\"v1\""));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await harness.GetAsync(Url);
        harness.Store.Put(Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal)), [0]);
        await harness.GetAsync(Url);

        var ours = harness.Logs.GetSnapshot().Where(e => e.Category?.StartsWith("HttpCaching", StringComparison.Ordinal) == true).ToArray();
        var ids = ours.Select(e => e.Id.Id).ToHashSet();
        Assert.Contains(ClientCache.Log.HitId, ids);
        Assert.Contains(ClientCache.Log.StoredId, ids);
        Assert.Contains(ClientCache.Log.RevalidatedId, ids);
        Assert.Contains(ClientCache.Log.UnreadableRecordId, ids);
        Assert.Contains(ours, e => e.Id.Name == "CacheHit" && e.Message.Contains("https://api.example.test/oembed", StringComparison.Ordinal));

        // Not in the message, nor in a structured value a sink would write on its own, nor in an exception. (The query
        // marker is looked for outside the scopes: IHttpClientFactory's scope shows the URI with its query as "?*".)
        ours.AssertNoneContains(StringComparison.Ordinal, "TOPSECRET", "httpcaching:");
        Assert.All(ours, r => Assert.DoesNotContain(r.Texts(scopes: false), t => t.Contains('?', StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Logs_StoreFailureIsAWarningWithTheException()
    {
        using var harness = new CachingHarness(
            registerStore: false,
            services: s =>
            {
                s.AddSingleton<IDistributedCache>(ChaosDistributedCache.Down());
                s.AddLogging(b => b.AddFakeLogging());
            });
        harness.Origin.When(Url).Respond(_ => harness.Response("x", "max-age=60"));

        await harness.GetAsync(Url);

        var failures = harness.Logs.WithId(GuardedStore.Log.StoreFailedId);
        Assert.Equal(2, failures.Length);
        Assert.All(failures, f => Assert.Equal(LogLevel.Warning, f.Level));
        Assert.All(failures, f => Assert.IsType<InvalidOperationException>(f.Exception));
        Assert.Contains(failures, f => f.Message.Contains("(get)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains("(set)", StringComparison.Ordinal));
    }
}
