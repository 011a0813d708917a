using System.Net;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// A store that hangs is bounded by <c>StoreTimeout</c> (timers of the fake clock), and a store that keeps failing is
/// left alone by the breaker for a growing interval. Requests are served from the origin throughout.
/// </summary>
public sealed class StoreOutageTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost";
    private static readonly TimeSpan DefaultStoreTimeout = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Theory]
    [InlineData(null)]
    [InlineData(2000)]
    public async Task StoreGetHangs_RequestServedFromOriginOnceTheTimeoutFires(int? configuredMilliseconds)
    {
        using var setup = new HangingStoreSetup(configuredMilliseconds);
        var harness = setup.Harness;
        var timeout = configuredMilliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : DefaultStoreTimeout;
        var version = 1;
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response($"{{\"v\":{version}}}", "max-age=600", $"\"v{version}\""));
        using (await harness.GetAsync(Url, setup.ClientName))
        {
        }

        // A fresh entry is stored, but the store stops answering: the request must not wait for it.
        version = 2;
        setup.Store.GetFault = StoreFault.Hang;
        var armed = setup.Clock.NextTimer;
        var request = harness.GetAsync(Url, setup.ClientName);
        Assert.Same(armed, await Task.WhenAny(request, armed));

        setup.Clock.Advance(timeout - Tick);
        Assert.Equal(0, setup.Clock.TimersFired);
        Assert.False(request.IsCompleted);
        setup.Clock.Advance(Tick);
        Assert.Equal(1, setup.Clock.TimersFired);
        using var response = await request;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"v\":2}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // The read used up the request's one store timeout: the writes are skipped rather than waited for again.
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", response.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal(1, setup.Store.Hangs);
        Assert.Equal(1, setup.Clock.TimersFired);
        var warning = Assert.Single(setup.Logs.WithId(GuardedStore.Log.StoreTimedOutId));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("(get)", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, setup.StoreErrors.Sum());
    }

    [Fact(Timeout = 30_000)]
    public async Task StoreHangsForReadsAndWrites_RequestWaitsOneStoreTimeoutInAll()
    {
        // A miss reads, then writes: against a store that hangs, the request must not pay a timeout for each.
        using var setup = new HangingStoreSetup(configuredMilliseconds: null);
        var harness = setup.Harness;
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("{\"v\":1}", "max-age=600", "\"v1\""));
        setup.Store.GetFault = StoreFault.Hang;
        setup.Store.SetFault = StoreFault.Hang;

        var armed = setup.Clock.NextTimer;
        var request = harness.GetAsync(Url, setup.ClientName);
        Assert.Same(armed, await Task.WhenAny(request, armed));
        setup.Clock.Advance(DefaultStoreTimeout);
        using var response = await request;

        Assert.Equal("{\"v\":1}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", response.CacheStatus());
        Assert.Equal(1, setup.Store.Hangs);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Fact(Timeout = 30_000)]
    public async Task NewVersionWriteHangs_OlderVersionRemovedInTheBackground()
    {
        // v1 is stored and fresh. A caller asks for a fresh copy and gets v2, whose write hangs until the request's
        // store budget is spent. The removal of v1 then goes on in the background, so v1 is not served after v2.
        using var setup = new HangingStoreSetup(configuredMilliseconds: null);
        var harness = setup.Harness;
        var version = 1;
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response($"{{\"v\":{version}}}", "max-age=600", $"\"v{version}\""));
        using (await harness.GetAsync(Url, setup.ClientName))
        {
        }

        version = 2;
        setup.Store.SetFault = StoreFault.Hang;
        var hung = setup.Store.NextHang;
        var armedBefore = setup.Clock.ArmedDueTimes.Count(t => t == DefaultStoreTimeout);
        var request = harness.GetAsync(Url, setup.ClientName, r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));
        Assert.Same(hung, await Task.WhenAny(request, hung));
        await Poll.UntilAsync(() => setup.Clock.ArmedDueTimes.Count(t => t == DefaultStoreTimeout) > armedBefore, "the write's timeout is armed");
        setup.Clock.Advance(DefaultStoreTimeout);
        using (var refreshed = await request)
        {
            Assert.Equal("{\"v\":2}", await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        await Poll.UntilAsync(() => !setup.Inner.Keys.Any(CachingHarness.IsEntryKey), "the older entry is removed in the background");
        setup.Store.SetFault = StoreFault.None;
        using var next = await harness.GetAsync(Url, setup.ClientName);

        Assert.Equal("{\"v\":2}", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, harness.Origin.GetMatchCount(origin));
    }

    [Fact(Timeout = 30_000)]
    public async Task EntryWriteGivenUpOnLandsAfterAnInvalidation_TheInvalidatedResponseIsNotServed()
    {
        // v1's entry write does not answer within the store timeout (the caller gets v1, not stored). The resource then
        // changes (a POST through the client removes the URL's records), and only after that does the store carry out
        // the write it was given: the key is removed again, and the next request gets v2 from the origin, not v1.
        using var setup = new HangingStoreSetup(configuredMilliseconds: null);
        var harness = setup.Harness;
        var version = 1;
        var origin = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response($"{{\"v\":{version}}}", "max-age=600", $"\"v{version}\""));
        harness.Origin.When(HttpMethod.Post, Url).Respond(HttpStatusCode.NoContent);
        setup.Store.FaultedKeys = CachingHarness.IsEntryKey;
        setup.Store.SetFault = StoreFault.Held;
        var held = setup.Store.NextHang;
        var armedBefore = setup.Clock.ArmedDueTimes.Count(t => t == DefaultStoreTimeout);
        var request = harness.GetAsync(Url, setup.ClientName);
        Assert.Same(held, await Task.WhenAny(request, held));
        await Poll.UntilAsync(() => setup.Clock.ArmedDueTimes.Count(t => t == DefaultStoreTimeout) > armedBefore, "the write's timeout is armed");
        setup.Clock.Advance(DefaultStoreTimeout);
        using (var first = await request)
        {
            Assert.Equal("{\"v\":1}", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.EndsWith("detail=store-failed", first.CacheStatus(), StringComparison.Ordinal);
        }

        version = 2;
        setup.Store.SetFault = StoreFault.None;
        using (var posted = await harness.Client(setup.ClientName).PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }

        setup.Store.ReleaseHeld();
        await Poll.UntilAsync(
            () => setup.Inner.Count("set", CachingHarness.IsEntryKey) == 1 && !setup.Inner.Keys.Any(CachingHarness.IsEntryKey),
            "the late write lands and the key is removed again");
        using var next = await harness.GetAsync(Url, setup.ClientName);

        Assert.Equal("{\"v\":2}", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Invalidator_StoreCannotBeRead_RemovesTheRecordAnyway()
    {
        // The purge's read (to say whether anything was stored) fails; the removal still goes to the store, so the
        // invalidated response is not served once reads work again.
        var store = new ChaosDistributedCache(new RecordingDistributedCache(TimeProvider.System));
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, registerStore: false, services: s => s.AddSingleton<IDistributedCache>(store));
        var origin = harness.Origin.When("https://api.example.test/purged").Respond(_ => harness.Response("v1", "max-age=600"));
        using (await harness.GetAsync("https://api.example.test/purged"))
        {
        }

        store.GetFault = StoreFault.Throw;
        var reported = await harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>()
            .InvalidateAsync(CachingHarness.ClientName, new Uri("https://api.example.test/purged"), TestContext.Current.CancellationToken);
        store.GetFault = StoreFault.None;
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        using var after = await harness.GetAsync("https://api.example.test/purged");

        Assert.False(reported);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task StoreSetHangs_ResponseReturnedNotStoredOnceTheTimeoutFires()
    {
        using var setup = new HangingStoreSetup(configuredMilliseconds: null);
        var harness = setup.Harness;
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("{\"type\":\"link\"}", "max-age=600", "\"e1\""));
        setup.Store.SetFault = StoreFault.Hang;

        // Two timers: the shared origin request's limit, then the hanging write's timeout.
        var armed = setup.Clock.WhenTimersCreated(2);
        var request = harness.GetAsync(Url, setup.ClientName);
        Assert.Same(armed, await Task.WhenAny(request, armed));
        setup.Clock.Advance(DefaultStoreTimeout - Tick);
        Assert.Equal(0, setup.Clock.TimersFired);
        Assert.False(request.IsCompleted);
        setup.Clock.Advance(Tick);
        Assert.Equal(1, setup.Clock.TimersFired);
        using var response = await request;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"type\":\"link\"}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", response.CacheStatus());
        Assert.Empty(setup.Inner.Keys);
        Assert.Equal(1, setup.Store.Hangs);
        var warning = Assert.Single(setup.Logs.WithId(GuardedStore.Log.StoreTimedOutId));
        Assert.Contains("(set)", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, setup.StoreErrors.Sum());

        // Nothing was stored: once the store answers again, the next request goes to the origin and is stored.
        setup.Store.SetFault = StoreFault.None;
        using var next = await harness.GetAsync(Url, setup.ClientName);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", next.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Breaker_ThrowingStore_LeftAloneForMinimumBreakThenProbedWithDoubledIntervals()
    {
        var down = ChaosDistributedCache.Down();
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(down).AddLogging(b => b.AddFakeLogging()));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("{\"ok\":true}", "max-age=600"));
        var requests = 0;

        async Task GetFromOriginAsync()
        {
            requests++;
            using var response = await harness.GetAsync(Url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"ok\":true}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", response.CacheStatus());
            Assert.Equal(requests, harness.Origin.GetMatchCount(origin));
        }

        int Opened() => harness.Logs.WithId(GuardedStore.Log.BreakerOpenedId).Length;

        // Each request calls the store at least once while the breaker is closed.
        while (down.Calls < GuardedStore.FailureThreshold)
        {
            await GetFromOriginAsync();
        }

        Assert.Equal(GuardedStore.FailureThreshold, down.Calls);
        Assert.Equal(1, Opened());

        // Open: the store is not called at all for MinimumBreak.
        for (var i = 0; i < 10; i++)
        {
            await GetFromOriginAsync();
        }

        harness.Time.Advance(GuardedStore.MinimumBreak - Tick);
        await GetFromOriginAsync();
        Assert.Equal(GuardedStore.FailureThreshold, down.Calls);

        // Past the break: one probe, which fails and reopens the breaker for twice as long.
        harness.Time.Advance(Tick);
        await GetFromOriginAsync();
        Assert.Equal(GuardedStore.FailureThreshold + 1, down.Calls);
        Assert.Equal(2, Opened());

        harness.Time.Advance((2 * GuardedStore.MinimumBreak) - Tick);
        await GetFromOriginAsync();
        Assert.Equal(GuardedStore.FailureThreshold + 1, down.Calls);

        harness.Time.Advance(Tick);
        await GetFromOriginAsync();
        Assert.Equal(GuardedStore.FailureThreshold + 2, down.Calls);
        Assert.Equal(3, Opened());
        Assert.Empty(harness.Logs.WithId(GuardedStore.Log.BreakerClosedId));
    }

    [Fact]
    public async Task Breaker_StoreRecovers_FirstSuccessClosesItAndResetsTheInterval()
    {
        var clock = new TimerWatchingTimeProvider();
        var inner = new RecordingDistributedCache(clock);
        var store = new ChaosDistributedCache(inner) { AllFaults = StoreFault.Throw };
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IDistributedCache>(store).AddLogging(b => b.AddFakeLogging()));
        clock.Attach(harness.Time);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("{\"ok\":true}", "max-age=600", "\"ok\""));

        int Count(int eventId) => harness.Logs.WithId(eventId).Length;

        async Task<string> GetAsync()
        {
            using var response = await harness.GetAsync(Url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"ok\":true}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            return response.CacheStatus();
        }

        async Task OpenAsync(int times)
        {
            for (var i = 0; Count(GuardedStore.Log.BreakerOpenedId) < times; i++)
            {
                Assert.True(i < GuardedStore.FailureThreshold, "The breaker did not open after the threshold.");
                await GetAsync();
            }
        }

        await OpenAsync(1);
        harness.Time.Advance(GuardedStore.MinimumBreak);
        await GetAsync();
        Assert.Equal(2, Count(GuardedStore.Log.BreakerOpenedId));

        // The store answers again; after the doubled break the next call succeeds and closes the breaker.
        store.AllFaults = StoreFault.None;
        harness.Time.Advance(2 * GuardedStore.MinimumBreak);
        var callsBefore = store.Calls;
        var originBefore = harness.Origin.GetMatchCount(origin);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", await GetAsync());
        Assert.True(store.Calls > callsBefore);
        var closed = Assert.Single(harness.Logs.WithId(GuardedStore.Log.BreakerClosedId));
        Assert.Equal(LogLevel.Information, closed.Level);
        Assert.StartsWith("HttpCaching; hit", await GetAsync(), StringComparison.Ordinal);
        Assert.Equal(originBefore + 1, harness.Origin.GetMatchCount(origin));

        // Closing reset the interval: the next opening lasts MinimumBreak again, not four times it.
        store.AllFaults = StoreFault.Throw;
        await OpenAsync(3);
        var callsWhileOpen = store.Calls;
        harness.Time.Advance(GuardedStore.MinimumBreak - Tick);
        await GetAsync();
        Assert.Equal(callsWhileOpen, store.Calls);
        harness.Time.Advance(Tick);
        await GetAsync();
        Assert.Equal(callsWhileOpen + 1, store.Calls);
    }

    /// <summary>A harness whose store can hang, with the timer-watching clock, logs and metrics of a client of its own.</summary>
    private sealed class HangingStoreSetup : IDisposable
    {
        public HangingStoreSetup(int? configuredMilliseconds)
        {
            ClientName = $"store-timeout-{Guid.NewGuid():N}";
            Inner = new RecordingDistributedCache(Clock);
            Store = new ChaosDistributedCache(Inner);
            Harness = new CachingHarness(
                o =>
                {
                    if (configuredMilliseconds is { } ms)
                    {
                        o.StoreTimeout = TimeSpan.FromMilliseconds(ms);
                    }
                },
                registerStore: false,
                services: s => s.AddSingleton<TimeProvider>(Clock).AddSingleton<IDistributedCache>(Store).AddLogging(b => b.AddFakeLogging()),
                clientNames: [ClientName]);
            Clock.Attach(Harness.Time);
            StoreErrors = Harness.Metric(HttpCachingDiagnostics.StoreErrorsInstrument);
        }

        public string ClientName { get; }

        public TimerWatchingTimeProvider Clock { get; } = new();

        public RecordingDistributedCache Inner { get; }

        public ChaosDistributedCache Store { get; }

        public FakeLogCollector Logs => Harness.Logs;

        /// <summary>The client's store errors (the counter of this harness's meter).</summary>
        public MetricCollector<long> StoreErrors { get; }

        public CachingHarness Harness { get; }

        public void Dispose()
        {
            StoreErrors.Dispose();
            Harness.Dispose();
        }
    }
}
