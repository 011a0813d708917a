using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// A store that answers reads but refuses every write (full, read-only, a Redis with <c>noeviction</c>) is left alone
/// for writes: successful reads do not keep the write breaker closed, it opens for a growing interval, once per opening
/// in the log, and closes on the first write that succeeds. Requests never fail, and none says <c>stored</c>.
/// </summary>
public sealed class WriteBreakerTests
{
    [Fact]
    public async Task WritesFailReadsWork_AfterFiveFailures_WritesSkippedReadsGoOn()
    {
        using var app = new App();

        await app.MissesAsync(GuardedStore.FailureThreshold);
        Assert.Equal(GuardedStore.FailureThreshold, app.Store.SetAttempts);
        var reads = app.Store.GetAttempts;

        var responses = await app.MissesAsync(10);

        Assert.Equal(GuardedStore.FailureThreshold, app.Store.SetAttempts);
        Assert.True(app.Store.GetAttempts > reads, "reads go on while writes are suspended");
        Assert.All(responses, status => Assert.DoesNotContain("; stored", status, StringComparison.Ordinal));
        Assert.Single(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
    }

    [Fact]
    public async Task WritesStillFailing_BreakGrowsAndEachOpeningIsLoggedOnce()
    {
        using var app = new App();
        await app.MissesAsync(GuardedStore.FailureThreshold);

        app.Harness.Time.Advance(GuardedStore.MinimumWriteBreak);
        await app.MissesAsync(3);

        // One write tried after the first break, and the breaker opened again, now for twice as long.
        Assert.Equal(GuardedStore.FailureThreshold + 1, app.Store.SetAttempts);
        app.Harness.Time.Advance(GuardedStore.MinimumWriteBreak);
        await app.MissesAsync(3);
        Assert.Equal(GuardedStore.FailureThreshold + 1, app.Store.SetAttempts);
        app.Harness.Time.Advance(GuardedStore.MinimumWriteBreak);
        await app.MissesAsync(1);
        Assert.Equal(GuardedStore.FailureThreshold + 2, app.Store.SetAttempts);

        var openings = app.Logs.WithId(HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
        Assert.Equal(3, openings.Length);
        Assert.Contains("00:00:01", openings[0].Message, StringComparison.Ordinal);
        Assert.Contains("00:00:02", openings[1].Message, StringComparison.Ordinal);
        Assert.Contains("00:00:04", openings[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesWorkAgain_AfterTheBreak_StoredAndLoggedAsResumed()
    {
        using var app = new App();
        await app.MissesAsync(GuardedStore.FailureThreshold);

        app.Store.RefuseWrites = false;
        app.Harness.Time.Advance(GuardedStore.MinimumWriteBreak);
        var responses = await app.MissesAsync(3);

        Assert.All(responses, status => Assert.Contains("; stored", status, StringComparison.Ordinal));
        Assert.Single(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesResumedEventId);
    }

    [Fact]
    public async Task FewerFailuresThanTheThreshold_WritesGoOn()
    {
        using var app = new App();
        await app.MissesAsync(GuardedStore.FailureThreshold - 1);
        app.Store.RefuseWrites = false;

        var responses = await app.MissesAsync(1);

        Assert.Contains("; stored", responses[0], StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
    }

    [Fact]
    public async Task WritesSuspended_RemovalsStillReachTheStore()
    {
        using var app = new App();
        await app.MissesAsync(GuardedStore.FailureThreshold);
        var removals = app.Store.RemoveAttempts;

        using var post = await app.Harness.Client().PostAsync(new Uri("https://api.example.test/items/0"), null, TestContext.Current.CancellationToken);

        Assert.True(app.Store.RemoveAttempts > removals);
    }

    [Fact]
    public async Task WritesSuspended_HealthCheckDegradedAndSaysWhy_HealthyOnceTheyResume()
    {
        using var app = new App();
        await app.MissesAsync(GuardedStore.FailureThreshold);

        var suspended = await app.HealthAsync();
        Assert.Equal(HealthStatus.Degraded, suspended.Status);
        Assert.Contains("refuses writes", suspended.Description, StringComparison.Ordinal);

        app.Store.RefuseWrites = false;
        app.Harness.Time.Advance(GuardedStore.MinimumWriteBreak);
        await app.MissesAsync(1);
        app.Harness.Time.Advance(StoreHealthWindow);
        Assert.Equal(HealthStatus.Healthy, (await app.HealthAsync()).Status);
    }

    [Fact]
    public async Task WritesTimingOut_NotTakenForRefusals_WritesGoOn()
    {
        // A slow write (it may only have had what was left of the request's store budget) is the main breaker's
        // business, not a refusal: a store client's own timeouts (RedisTimeoutException is a TimeoutException) too.
        using var app = new App();
        app.Store.WriteTimesOut = true;

        await app.MissesAsync(GuardedStore.FailureThreshold + 2);

        Assert.Equal(GuardedStore.FailureThreshold + 2, app.Store.SetAttempts);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
    }

    [Fact]
    public async Task WritesRefusedForTheirValue_NeverSuspendWrites_NorOpenTheBreaker()
    {
        // A store that cannot hold this value (larger than a memcached's item size) throws an argument exception: the
        // value is not stored, and the store, healthy for every other value, is not left alone for it.
        using var app = new App();
        app.Store.RefuseWrites = false;
        app.Store.LargestValue = 1024;

        var big = await app.MissesAsync(3 * GuardedStore.FailureThreshold, "big");
        var small = await app.MissesAsync(1);

        Assert.All(big, status => Assert.Contains("detail=store-failed", status, StringComparison.Ordinal));
        Assert.EndsWith("; stored", Assert.Single(small), StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
        Assert.DoesNotContain(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreBreakerOpenedEventId);
        Assert.Equal(HealthStatus.Healthy, (await app.HealthAsync()).Status);
    }

    [Theory]
    [InlineData("options")]
    [InlineData(null)]
    public async Task WritesFailingWithAnotherArgumentException_CountAsFailures(string? parameter)
    {
        // Only an argument exception that names the value is a refusal of that value; any other says the store is
        // misconfigured or broken, and counts as a failure.
        using var app = new App();
        app.Store.RefuseWrites = false;
        app.Store.LargestValue = 0;
        app.Store.RefusedParameter = parameter;

        await app.MissesAsync(GuardedStore.FailureThreshold + 2);

        Assert.Single(app.Logs.GetSnapshot(), e => e.Id.Id == HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId);
    }

    [Fact]
    public async Task BodyRefused_304sAfterwards_KeptWithTheBodyInMemory_NotAskedForAgainAndAgain()
    {
        // The store refuses the body (too large for it): the body and its entry are kept in this instance's memory.
        // Once stale, a 304 refreshes them there; the next requests are hits, not one revalidation each.
        var store = new WriteRefusingStore { RefuseWrites = false, LargestValue = 1024 };
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: false,
            nearCache: true,
            services: s => s.AddSingleton<IDistributedCache>(store));
        var conditional = harness.Origin.When("https://api.example.test/big").WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        var full = harness.Origin.When("https://api.example.test/big").Respond(_ => harness.Response(new string('x', 4096), "max-age=60", "\"v1\""));

        using (await harness.GetAsync("https://api.example.test/big"))
        {
        }

        harness.Time.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 4; i++)
        {
            using var response = await harness.GetAsync("https://api.example.test/big");
            Assert.Equal(4096, (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
        }

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
    }

    /// <summary>Past the window in which a failed call still makes the store degraded.</summary>
    private static readonly TimeSpan StoreHealthWindow = TimeSpan.FromMinutes(2);

    private sealed class App : IDisposable
    {
        private int _next;

        public App()
        {
            Store = new WriteRefusingStore();
            Harness = new CachingHarness(
                o => o.MinimumFreshness = TimeSpan.Zero,
                registerStore: false,
                services: s =>
                {
                    s.AddSingleton<IDistributedCache>(Store).AddLogging(b => b.AddFakeLogging());
                    s.AddHealthChecks().AddHttpCaching();
                });
            Harness.Origin.When("https://api.example.test/big/*").Respond(_ => Harness.Response(new string('x', 4096), "max-age=600"));
            Harness.Origin.When("https://api.example.test/*").Respond(_ => Harness.Response("{}", "max-age=600"));
        }

        public CachingHarness Harness { get; }

        public WriteRefusingStore Store { get; }

        /// <summary>The records of the harness's fake logger, at the default minimum level (Information).</summary>
        public FakeLogCollector Logs => Harness.Logs;

        /// <summary>Requests <paramref name="count"/> URLs never asked for before; returns their Cache-Status.</summary>
        public async Task<string[]> MissesAsync(int count, string path = "items")
        {
            var statuses = new string[count];
            for (var i = 0; i < count; i++)
            {
                using var response = await Harness.GetAsync($"https://api.example.test/{path}/{_next++}");
                response.EnsureSuccessStatusCode();
                statuses[i] = response.CacheStatus();
            }

            return statuses;
        }

        public async Task<HealthReportEntry> HealthAsync()
        {
            var report = await Harness.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
            return report.Entries[HttpCachingDiagnostics.HealthCheckName];
        }

        public void Dispose() => Harness.Dispose();
    }

    /// <summary>A store that answers reads (always a miss) and removals, and refuses writes while told to.</summary>
    private sealed class WriteRefusingStore : IDistributedCache
    {
        private int _gets;
        private int _sets;
        private int _removes;

        public bool RefuseWrites { get; set; } = true;

        /// <summary>Writes fail with a timeout of the store's own client, instead of being refused.</summary>
        public bool WriteTimesOut { get; set; }

        /// <summary>The largest value taken; a larger one is refused with an argument exception, as too large.</summary>
        public int LargestValue { get; set; } = int.MaxValue;

        /// <summary>The parameter the refusal names.</summary>
        public string? RefusedParameter { get; set; } = "value";

        public int GetAttempts => Volatile.Read(ref _gets);

        public int SetAttempts => Volatile.Read(ref _sets);

        public int RemoveAttempts => Volatile.Read(ref _removes);

        public byte[]? Get(string key) => throw new NotSupportedException();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref _gets);
            return Task.FromResult<byte[]?>(null);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Interlocked.Increment(ref _sets);
            if (WriteTimesOut)
            {
                return Task.FromException(new TimeoutException("The store did not answer in time."));
            }

            if (value.Length > LargestValue)
            {
                return Task.FromException(new ArgumentOutOfRangeException(RefusedParameter, "The value is larger than the store's item size."));
            }

            return RefuseWrites ? Task.FromException(new InvalidOperationException("OOM command not allowed when used memory > 'maxmemory'.")) : Task.CompletedTask;
        }

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref _removes);
            return Task.CompletedTask;
        }
    }
}
