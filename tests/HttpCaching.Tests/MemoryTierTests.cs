using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// While a shared store is down, an instance keeps caching in its memory tier: it never goes back to an older version
/// than one it served, it serves the last known copy within stale-if-error when the origin fails too, and it does not
/// turn into a pass-through that floods the origin.
/// </summary>
public sealed class MemoryTierTests
{
    private const string Url = "https://api.example.test/oembed?url=a";

    private sealed class Instance : IDisposable
    {
        public Instance(Action<ThirdPartyCachingOptions>? configure = null)
        {
            Inner = new RecordingDistributedCache(TimeProvider.System);
            Store = new ChaosDistributedCache(Inner);
            Harness = new CachingHarness(
                o =>
                {
                    o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
                    configure?.Invoke(o);
                },
                registerStore: false,
                nearCache: true,
                services: s => s.AddSingleton<IDistributedCache>(Store));
        }

        public RecordingDistributedCache Inner { get; }

        public ChaosDistributedCache Store { get; }

        public CachingHarness Harness { get; }

        public void Dispose() => Harness.Dispose();
    }

    [Fact]
    public async Task DefaultMemoryStore_FilledToThreeTimesItsLimit_TheNewestResponsesAllHit()
    {
        // The built-in store makes room (least recently used first) before it admits a new record, and says stored
        // only of what it stored.
        const long limit = 512 * 1024;
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.Configure<HttpCachingStoreOptions>(o => o.MemorySizeLimit = limit));
        var body = new string('x', 1024);
        harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response(body, "max-age=600"));
        var count = 0;
        for (long written = 0; written < 3 * limit; written += 2 * body.Length, count++)
        {
            using var stored = await harness.GetAsync($"https://api.example.test/{count}");
            Assert.Contains("; stored", stored.CacheStatus(), StringComparison.Ordinal);

            // Least recently used is told apart by the clock, as in any real run.
            harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        for (var i = count - 100; i < count; i++)
        {
            using var again = await harness.GetAsync($"https://api.example.test/{i}");
            Assert.StartsWith("HttpCaching; hit", again.CacheStatus());
        }
    }

    [Fact]
    public async Task StoreDownThenBack_NeverServesAnOlderVersionThanItServed()
    {
        using var app = new Instance();
        var harness = app.Harness;
        var version = 1;
        harness.Origin.When(Url).Respond(_ => harness.Response($"v{version}", "max-age=600", $"\"v{version}\""));
        (await harness.GetAsync(Url)).Dispose();

        // The store goes away; a caller insists on the origin and gets v2, which cannot be written to the store.
        app.Store.AllFaults = StoreFault.Throw;
        version = 2;
        using (var forced = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache")))
        {
            Assert.Equal("v2", await forced.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // The store is back, holding v1, still fresh; the near-cache window has long passed.
        app.Store.AllFaults = StoreFault.None;
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        using var after = await harness.GetAsync(Url);

        Assert.Equal("v2", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StoreBack_PendingVersionReachesTheStoreWithItsNextWrite()
    {
        using var app = new Instance(o => o.MinimumFreshness = TimeSpan.Zero);
        var harness = app.Harness;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v2\"").Respond(_ => harness.NotModified("max-age=60", "\"v2\""));
        var version = 1;
        harness.Origin.When(Url).Respond(_ => harness.Response($"v{version}", "max-age=60", $"\"v{version}\""));
        (await harness.GetAsync(Url)).Dispose();
        app.Store.AllFaults = StoreFault.Throw;
        version = 2;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        (await harness.GetAsync(Url)).Dispose();

        // Back: the next revalidation (a 304) writes the pending body as well as the entry.
        app.Store.AllFaults = StoreFault.None;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var revalidated = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());

        // The retried removal of v1 runs in the background: once the store holds v1's entry no longer, another instance
        // on it gets v2 (the entry and the pending body this 304 wrote), never v1. A CI run under load (the whole
        // solution at once) once read v1 here right after the 304, which no local run has reproduced; the store's calls
        // are in the message should it happen again.
        string Calls() => string.Join(", ", app.Inner.Operations.Select(c => $"{c.Operation} {c.Key[(c.Key.LastIndexOf(':') + 1)..]}"));
        await Poll.UntilAsync(() => !app.Inner.Keys.Any(k => CachingHarness.IsEntryKey(k) && System.Text.Encoding.UTF8.GetString(app.Inner.Raw(k) ?? []).Contains("\"v1\"", StringComparison.Ordinal)), "v1's entry gone from the store");
        using var other = new CachingHarness(registerStore: false, services: s => s.AddSingleton<IDistributedCache>(app.Inner).AddSingleton<TimeProvider>(harness.Time));
        using var fromStore = await other.GetAsync(Url);
        var body = await fromStore.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(body == "v2" && fromStore.CacheStatus()!.StartsWith("HttpCaching; hit", StringComparison.Ordinal), $"Got {body} ({fromStore.CacheStatus()}); store calls: {Calls()}");
    }

    [Fact]
    public async Task StoreDown_UnsafeMethod_InvalidatesThePendingCopyToo()
    {
        using var app = new Instance();
        var harness = app.Harness;
        app.Store.AllFaults = StoreFault.Throw;
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("v1", "max-age=600", "\"v1\""));
        harness.Origin.When(HttpMethod.Post, Url).Respond(HttpStatusCode.NoContent);
        (await harness.GetAsync(Url)).Dispose();

        using (var post = new HttpRequestMessage(HttpMethod.Post, Url))
        {
            (await harness.Client().SendAsync(post, TestContext.Current.CancellationToken)).Dispose();
        }

        using var after = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; fwd=uri-miss", after.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(get));
    }

    [Fact]
    public async Task StoreAndOriginDown_LastKnownCopyServedWithinStaleIfError()
    {
        using var app = new Instance(o => o.MinimumFreshness = TimeSpan.Zero);
        var harness = app.Harness;
        var down = false;
        harness.Origin.When(Url).Respond(_ => down
            ? harness.Response("down", status: HttpStatusCode.ServiceUnavailable)
            : harness.Response("v1", "max-age=60", "\"v1\""));
        (await harness.GetAsync(Url)).Dispose();

        app.Store.AllFaults = StoreFault.Throw;
        down = true;
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("fwd-status=503", response.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreDown_InstanceKeepsCaching_OriginSeesOnlyColdMisses()
    {
        using var app = new Instance();
        var harness = app.Harness;
        app.Store.AllFaults = StoreFault.Throw;
        var origin = harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response("{}", "max-age=60", "\"e\""));

        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                using var response = await harness.GetAsync($"https://api.example.test/item/{i}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        Assert.Equal(10, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task StoreRecovers_CachingThroughItResumesWithinTwoSeconds()
    {
        using var app = new Instance();
        var harness = app.Harness;
        app.Store.AllFaults = StoreFault.Throw;
        harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response("{}", "max-age=600"));
        // A two-minute outage, long enough for a doubling break to grow far past a second or two.
        for (var i = 0; i < 120; i++)
        {
            (await harness.GetAsync($"https://api.example.test/down/{i}")).Dispose();
            harness.Time.Advance(TimeSpan.FromSeconds(1));
        }

        app.Store.AllFaults = StoreFault.None;
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        using var response = await harness.GetAsync("https://api.example.test/up");

        Assert.Contains("; stored", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Contains(app.Inner.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
    }
}
