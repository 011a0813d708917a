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
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.OriginBackoff = TimeSpan.FromHours(1);
            },
            services: s => s.AddLogging(b => b.AddFakeLogging()),
            clientNames: [clientName]);
        using var requests = harness.Metric(HttpCachingDiagnostics.RequestsInstrument);
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

        Assert.Single(harness.Logs.WithId(ClientCache.Log.HoldingOffId));
        Assert.Equal(101, requests.Sum((HttpCachingDiagnostics.ClientNameTag, clientName), (HttpCachingDiagnostics.OutcomeTag, HttpCachingDiagnostics.OutcomeStale)));

        harness.Time.Advance(LogThrottle.Interval);
        (await harness.GetAsync(Url, clientName)).Dispose();

        var next = harness.Logs.WithId(ClientCache.Log.HoldingOffId);
        Assert.Equal(2, next.Length);
        Assert.Contains("99 more like it were left out", next[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginDown_EachUrlLogsItsOwnWarning()
    {
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.OriginBackoff = TimeSpan.FromHours(1);
            },
            services: s => s.AddLogging(b => b.AddFakeLogging()));
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

        Assert.Equal(3, harness.Logs.WithId(ClientCache.Log.ServedStaleOnErrorId).Length);
        Assert.Equal(3, harness.Logs.WithId(ClientCache.Log.HoldingOffId).Length);
    }

    [Fact]
    public async Task StoreDown_FailuresLoggedOncePerOperationAndAllCounted()
    {
        var clientName = $"flood-{Guid.NewGuid():N}";
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(ChaosDistributedCache.Down()).AddLogging(b => b.AddFakeLogging()),
            clientNames: [clientName]);
        using var storeErrors = harness.Metric(HttpCachingDiagnostics.StoreErrorsInstrument);
        harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response("{}", "max-age=600"));

        for (var i = 0; i < 3; i++)
        {
            using var response = await harness.GetAsync($"https://api.example.test/{i}", clientName);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var failures = harness.Logs.WithId(GuardedStore.Log.StoreFailedId);
        Assert.Equal(2, failures.Length);
        Assert.Contains(failures, e => e.Message.Contains("(get)", StringComparison.Ordinal));
        Assert.Contains(failures, e => e.Message.Contains("(set)", StringComparison.Ordinal));
        Assert.Equal(GuardedStore.FailureThreshold, storeErrors.Sum((HttpCachingDiagnostics.ClientNameTag, clientName)));
    }

    [Fact]
    public void LogThrottle_SubjectsAndKindsAreKeptApart_AndTheIntervalIsRespected()
    {
        var time = new FakeTimeProvider(TestClock.Start);
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
        var throttle = new LogThrottle(new FakeTimeProvider(TestClock.Start));
        for (var i = 0; i < LogThrottle.Capacity; i++)
        {
            Assert.True(throttle.ShouldLog(1, i.ToString(System.Globalization.CultureInfo.InvariantCulture), out _));
        }

        // Full: it starts over, so a subject seen before is written once more rather than remembered without bound.
        Assert.True(throttle.ShouldLog(1, "0", out _));
    }
}
