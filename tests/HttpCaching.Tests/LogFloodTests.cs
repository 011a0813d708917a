using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// During an outage every request repeats the same warning: each is written once per URL (or store operation) and
/// interval, the next one says how many were left out, and the meter still counts every occurrence.
/// </summary>
public sealed class LogFloodTests
{
    private const string Url = "https://api.example.test/oembed?url=down";

    [Fact]
    public async Task OriginDown_RepeatedHoldingOff_LoggedOncePerIntervalAndAllCounted()
    {
        var clientName = $"flood-{Guid.NewGuid():N}";
        var logs = new CollectingLoggerProvider();
        using var metrics = new MetricsCollector(clientName);
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.OriginBackoff = TimeSpan.FromHours(1);
            },
            services: s => s.AddLogging(b => b.AddProvider(logs)),
            clientNames: [clientName]);
        var failing = false;
        harness.Origin.When(Url).Respond(_ => failing
            ? harness.Response("down", status: HttpStatusCode.ServiceUnavailable)
            : harness.Response("{\"v\":1}", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url, clientName);
        failing = true;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        (await harness.GetAsync(Url, clientName)).Dispose();

        for (var i = 0; i < 100; i++)
        {
            using var held = await harness.GetAsync(Url, clientName);
            Assert.Contains("detail=retry-after", held.CacheStatus(), StringComparison.Ordinal);
        }

        var holdingOff = logs.Entries.Where(e => e.EventId.Id == ClientCache.Log.HoldingOffId).ToList();
        Assert.Single(holdingOff);
        Assert.Equal(101, metrics.Sum(HttpCachingDiagnostics.RequestsInstrument, HttpCachingDiagnostics.OutcomeStale));

        harness.Time.Advance(LogThrottle.Interval);
        (await harness.GetAsync(Url, clientName)).Dispose();

        var next = logs.Entries.Where(e => e.EventId.Id == ClientCache.Log.HoldingOffId).ToList();
        Assert.Equal(2, next.Count);
        Assert.Contains("99 more like it were left out", next[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginDown_EachUrlLogsItsOwnWarning()
    {
        var logs = new CollectingLoggerProvider();
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.OriginBackoff = TimeSpan.FromHours(1);
            },
            services: s => s.AddLogging(b => b.AddProvider(logs)));
        var failing = false;
        harness.Origin.When("https://api.example.test/*").Respond(_ => failing
            ? harness.Response("down", status: HttpStatusCode.ServiceUnavailable)
            : harness.Response("{\"v\":1}", "max-age=60", "\"v1\""));
        string[] urls = ["https://api.example.test/a", "https://api.example.test/b", "https://api.example.test/c"];
        foreach (var url in urls)
        {
            await harness.GetAsync(url);
        }

        failing = true;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        for (var round = 0; round < 5; round++)
        {
            foreach (var url in urls)
            {
                (await harness.GetAsync(url)).Dispose();
            }
        }

        Assert.Equal(3, logs.Entries.Count(e => e.EventId.Id == ClientCache.Log.ServedStaleOnErrorId));
        Assert.Equal(3, logs.Entries.Count(e => e.EventId.Id == ClientCache.Log.HoldingOffId));
    }

    [Fact]
    public async Task StoreDown_FailuresLoggedOncePerOperationAndAllCounted()
    {
        var clientName = $"flood-{Guid.NewGuid():N}";
        var logs = new CollectingLoggerProvider();
        using var metrics = new MetricsCollector(clientName);
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(new ThrowingDistributedCache()).AddLogging(b => b.AddProvider(logs)),
            clientNames: [clientName]);
        harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response("{}", "max-age=600"));

        for (var i = 0; i < 3; i++)
        {
            using var response = await harness.GetAsync($"https://api.example.test/{i}", clientName);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var failures = logs.Entries.Where(e => e.EventId.Id == GuardedStore.Log.StoreFailedId).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, e => e.Message.Contains("(get)", StringComparison.Ordinal));
        Assert.Contains(failures, e => e.Message.Contains("(set)", StringComparison.Ordinal));
        Assert.Equal(GuardedStore.FailureThreshold, metrics.Sum(HttpCachingDiagnostics.StoreErrorsInstrument));
    }

    [Fact]
    public void LogThrottle_SubjectsAndKindsAreKeptApart_AndTheIntervalIsRespected()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time);

        Assert.True(throttle.ShouldLog(1, "a", out var none));
        Assert.False(throttle.ShouldLog(1, "a", out _));
        Assert.True(throttle.ShouldLog(2, "a", out _));
        Assert.True(throttle.ShouldLog(1, "b", out _));
        time.Advance(LogThrottle.Interval - TimeSpan.FromTicks(1));
        Assert.False(throttle.ShouldLog(1, "a", out _));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.True(throttle.ShouldLog(1, "a", out var suppressed));

        Assert.Equal(0, none);
        Assert.Equal(2, suppressed);
    }

    [Fact]
    public void LogThrottle_FullOfSubjects_StartsOverInsteadOfGrowing()
    {
        var throttle = new LogThrottle(new FakeTimeProvider());
        for (var i = 0; i < LogThrottle.Capacity; i++)
        {
            Assert.True(throttle.ShouldLog(1, i.ToString(System.Globalization.CultureInfo.InvariantCulture), out _));
        }

        // Full: it starts over, so a subject seen before is written once more rather than remembered without bound.
        Assert.True(throttle.ShouldLog(1, "0", out _));
    }
}
