using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// <c>AddHealthChecks().AddHttpCaching()</c>: each client's store is healthy, degraded or unhealthy from what the
/// requests' store calls saw, on the fake clock; the check never writes and reads only a probe key, bounded by the
/// store timeout, when the last call failed.
/// </summary>
public sealed class HealthCheckTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost&key=TOPSECRET";
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public async Task Check_StoreAnswers_HealthyWithEachClientInData()
    {
        using var setup = new Setup();
        await setup.GetAsync();

        var entry = await setup.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Healthy", entry.Data[setup.ClientName]);
        Assert.Single(entry.Data);
        Assert.Null(entry.Exception);
    }

    [Fact]
    public async Task Check_NoRequestYet_HealthyWithoutTouchingTheStore()
    {
        using var setup = new Setup();

        var entry = await setup.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Empty(setup.Inner.Operations);
    }

    [Fact]
    public async Task Check_StoreFailedAMomentAgo_DegradedThenHealthyAMinuteAfterItAnswersAgain()
    {
        using var setup = new Setup();
        setup.Store.AllFaults = StoreFault.Throw;
        await setup.GetAsync();

        // The last call failed: the check reads its probe key once, which fails too.
        var failing = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Degraded, failing.Status);
        Assert.Equal("Degraded", failing.Data[setup.ClientName]);
        Assert.Contains("no store call has succeeded for 0 s", failing.Description, StringComparison.Ordinal);

        // The store is back: the probe succeeds, and a recent failure still degrades.
        setup.Store.AllFaults = StoreFault.None;
        var recovering = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Degraded, recovering.Status);
        Assert.Contains("the store answers again; a call failed 0 s ago", recovering.Description, StringComparison.Ordinal);
        Assert.Equal(new[] { new RecordingDistributedCache.StoreCall("get", HttpCachingHealthCheck.ProbeKey("httpcaching:", setup.ClientName)) }, setup.Inner.Operations);

        setup.Time.Advance(StoreHealth.RecentWindow - Tick);
        Assert.Equal(HealthStatus.Degraded, (await setup.CheckAsync()).Status);
        setup.Time.Advance(Tick);
        var healthy = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("Healthy", healthy.Data[setup.ClientName]);

        // Only the one probe read reached the store: no check writes, and none reads while the store answers.
        Assert.Single(setup.Inner.Operations);
    }

    [Fact]
    public async Task Check_StoreFailingEveryCallFor30Seconds_UnhealthyThenRecovers()
    {
        using var setup = new Setup();
        setup.Store.AllFaults = StoreFault.Throw;
        for (var i = 0; i < 3; i++)
        {
            // Each miss reads, then writes: six failures open the breaker.
            await setup.GetAsync();
        }

        // The breaker is open: the check reads nothing, and a store failing for less than 30 s is only degraded.
        var calls = setup.Store.Calls;
        var open = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Degraded, open.Status);
        Assert.Contains("the breaker opened 1 time(s) and is open for 1 s more", open.Description, StringComparison.Ordinal);
        Assert.Equal(calls, setup.Store.Calls);

        setup.Time.Advance(StoreHealth.UnhealthyAfter - Tick);
        Assert.Equal(HealthStatus.Degraded, (await setup.CheckAsync()).Status);
        setup.Time.Advance(Tick);
        var unhealthy = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal("Unhealthy", unhealthy.Data[setup.ClientName]);
        Assert.Contains("no store call has succeeded for 30 s", unhealthy.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", unhealthy.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("httpcaching:", unhealthy.Description, StringComparison.Ordinal);

        // Requests are still served from the origin meanwhile.
        using (var response = await setup.Harness.GetAsync(Url, setup.ClientName))
        {
            Assert.True(response.IsSuccessStatusCode);
        }

        // Recovery with no request at all: the check's own probe finds the store back and closes the breaker.
        setup.Store.AllFaults = StoreFault.None;
        setup.Time.Advance(GuardedStore.MaximumBreak);
        var back = await setup.CheckAsync();
        Assert.Equal(HealthStatus.Degraded, back.Status);
        setup.Time.Advance(StoreHealth.RecentWindow);
        Assert.Equal(HealthStatus.Healthy, (await setup.CheckAsync()).Status);
        Assert.Equal(0, setup.Inner.SetCount(k => k.EndsWith(":health", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Check_StoreHangs_ProbeBoundedByTheStoreTimeoutThenDegraded()
    {
        using var setup = new Setup(hanging: true);
        setup.Store.AllFaults = StoreFault.Hang;
        var armed = setup.Clock.NextTimer;
        var request = setup.GetAsync();
        Assert.Same(armed, await Task.WhenAny(request, armed));
        setup.Clock.Advance(setup.Harness.Options(setup.ClientName).StoreTimeout);
        await request;

        // The request's read timed out; the check's probe hangs too, and waits no longer than the store timeout.
        armed = setup.Clock.NextTimer;
        var check = setup.CheckAsync();
        Assert.Same(armed, await Task.WhenAny(check, armed));
        setup.Clock.Advance(setup.Harness.Options(setup.ClientName).StoreTimeout - Tick);
        Assert.False(check.IsCompleted);
        setup.Clock.Advance(Tick);
        var entry = await check;

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("2 in a row failed or timed out (the last timed out)", entry.Description, StringComparison.Ordinal);
        Assert.Equal(2, setup.Store.Hangs);
    }

    [Fact]
    public async Task Check_FailureStatusDegraded_AnOutageNeverReportsUnhealthy()
    {
        using var setup = new Setup(configure: b => b.AddHttpCaching(failureStatus: HealthStatus.Degraded));
        setup.Store.AllFaults = StoreFault.Throw;
        await setup.GetAsync();
        setup.Time.Advance(StoreHealth.UnhealthyAfter);

        var entry = await setup.CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Unhealthy", entry.Data[setup.ClientName]);
    }

    [Fact]
    public async Task Check_ClientsOnDifferentStores_EachReportedOnItsOwn()
    {
        var down = ChaosDistributedCache.Down();
        using var harness = new CachingHarness(
            services: s =>
            {
                s.AddKeyedSingleton<IDistributedCache>("down", down);
                s.AddOptions<ThirdPartyCachingOptions>("down-client").Configure(o => o.StoreServiceKey = "down");
                s.AddOptions<ThirdPartyCachingOptions>("off").Configure(o => o.Enabled = false);
                s.AddHealthChecks().AddHttpCaching();
            },
            clientNames: ["up", "down-client", "off"]);
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=60"));
        using (await harness.GetAsync(Url, "up"))
        using (await harness.GetAsync(Url, "down-client"))
        using (await harness.GetAsync(Url, "off"))
        {
        }

        var entry = await CheckAsync(harness.Services);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Healthy", entry.Data["up"]);
        Assert.Equal("Degraded", entry.Data["down-client"]);
        Assert.Equal(HttpCachingHealthCheck.Disabled, entry.Data["off"]);
        Assert.StartsWith("down-client: ", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NoCachingClient_Healthy()
    {
        using var services = new ServiceCollection().AddLogging().AddHealthChecks().AddHttpCaching().Services.BuildServiceProvider();

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Empty(entry.Data);
    }

    [Fact]
    public async Task Check_StoreCannotBeResolved_ReportedNotThrown()
    {
        using var harness = new CachingHarness(
            services: s => s.AddHealthChecks().AddHttpCaching(),
            clientNames: ["missing"]);

        // Options that name a store that does not exist (as a reload could, were it not validated).
        var check = new HttpCachingHealthCheck(new OverridingOptionsProvider(harness.Services, new ThirdPartyCachingOptions { StoreServiceKey = "nowhere" }));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("Unhealthy", result.Data["missing"]);
        Assert.Contains("missing: the store cannot be resolved: System.InvalidOperationException", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHttpCaching_Registration_HasTheDefaultNameAndTheGivenTagsAndTimeout()
    {
        using var services = new ServiceCollection()
            .AddHealthChecks().AddHttpCaching().AddHttpCaching("cache-ready", HealthStatus.Degraded, ["ready"], TimeSpan.FromSeconds(3))
            .Services.BuildServiceProvider();

        var registrations = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.ToArray();

        Assert.Equal(HttpCachingDiagnostics.HealthCheckName, registrations[0].Name);
        Assert.Equal(HealthStatus.Unhealthy, registrations[0].FailureStatus);
        Assert.Empty(registrations[0].Tags);
        Assert.Equal("cache-ready", registrations[1].Name);
        Assert.Equal(HealthStatus.Degraded, registrations[1].FailureStatus);
        Assert.Equal(new[] { "ready" }, registrations[1].Tags);
        Assert.Equal(TimeSpan.FromSeconds(3), registrations[1].Timeout);
        Assert.Throws<ArgumentNullException>(() => HttpCachingHealthChecksBuilderExtensions.AddHttpCaching(null!));
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider services, string name = HttpCachingDiagnostics.HealthCheckName)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name, TestContext.Current.CancellationToken);
        return report.Entries[name];
    }

    /// <summary>One client on a store whose faults the test switches, with the health check registered.</summary>
    private sealed class Setup : IDisposable
    {
        public Setup(bool hanging = false, Action<IHealthChecksBuilder>? configure = null)
        {
            ClientName = $"health-{Guid.NewGuid():N}";
            Harness = new CachingHarness(
                registerStore: false,
                services: s =>
                {
                    if (hanging)
                    {
                        s.AddSingleton<TimeProvider>(Clock);
                    }

                    s.AddSingleton<IDistributedCache>(_ => Store!);
                    var checks = s.AddHealthChecks();
                    (configure ?? (b => b.AddHttpCaching())).Invoke(checks);
                },
                clientNames: [ClientName]);
            Clock.Attach(Harness.Time);
            Inner = new RecordingDistributedCache(Harness.Time);
            Store = new ChaosDistributedCache(Inner);
            Harness.Origin.When(Url).Respond(_ => Harness.Response("{}", "max-age=600"));
        }

        public string ClientName { get; }

        public CachingHarness Harness { get; }

        public FakeTimeProvider Time => Harness.Time;

        public TimerWatchingTimeProvider Clock { get; } = new();

        public RecordingDistributedCache Inner { get; }

        public ChaosDistributedCache Store { get; }

        public async Task GetAsync()
        {
            using var response = await Harness.GetAsync(Url, ClientName);
            Assert.True(response.IsSuccessStatusCode);
            Inner.ClearLog();
        }

        public Task<HealthReportEntry> CheckAsync() => HealthCheckTests.CheckAsync(Harness.Services);

        public void Dispose() => Harness.Dispose();
    }

    /// <summary>The harness's services, with every client's options replaced by the given ones.</summary>
    private sealed class OverridingOptionsProvider(IServiceProvider inner, ThirdPartyCachingOptions options) : IServiceProvider, IOptionsMonitor<ThirdPartyCachingOptions>
    {
        public ThirdPartyCachingOptions CurrentValue => options;

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IOptionsMonitor<ThirdPartyCachingOptions>) ? this : inner.GetService(serviceType);

        public ThirdPartyCachingOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<ThirdPartyCachingOptions, string?> listener) => null;
    }
}
