using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>The in-process tier in front of a shared store, and two application instances sharing one store.</summary>
public sealed class NearCacheTests
{
    private const string Url = "https://feeds.example.test/shared.rss";

    /// <summary>Two instances (service providers) of one application sharing one store and one clock.</summary>
    private sealed class TwoInstances : IDisposable
    {
        public TwoInstances(Action<ThirdPartyCachingOptions>? configure = null, bool integrity = false)
        {
            var configuration = integrity ? IntegrityKeys.Configuration(false, IntegrityKeys.A) : null;
            A = new CachingHarness(configure, registerStore: false, nearCache: true, configuration: configuration, services: s => s.AddSingleton<IDistributedCache>(Shared));
            B = new CachingHarness(configure, registerStore: false, nearCache: true, configuration: configuration, services: s =>
            {
                s.AddSingleton<IDistributedCache>(Shared);
                s.AddSingleton<TimeProvider>(A.Time);
            });
        }

        public RecordingDistributedCache Shared { get; } = new(TimeProvider.System);

        public CachingHarness A { get; }

        public CachingHarness B { get; }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task StoreGoesBackToAnOlderEntry_AfterTheNewerWasServed_TheOlderIsNotServed(bool integrity, bool originDown)
    {
        // The store took v2, then returns the v1 entry it held before (a failover to a replica that lags, a restore):
        // an intact record, signed for its key when integrity keys are on. After the near-cache window the instance
        // reads it, finds it another version dated before the v2 it last had, and keeps serving its v2, also when the
        // origin is down by then.
        using var apps = new TwoInstances(o => o.NearCacheEntryDuration = TimeSpan.FromSeconds(5), integrity);
        var version = 1;
        var down = false;
        apps.A.Origin.When(Url).Respond(_ => down
            ? new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
            : apps.A.Response($"v{version}", "max-age=600", $"\"v{version}\""));
        using (var first = await apps.A.GetAsync(Url))
        {
            Assert.Equal("v1", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        var entryKey = Assert.Single(apps.Shared.Keys, CachingHarness.IsEntryKey);
        var older = apps.Shared.Raw(entryKey)!;
        apps.A.Time.Advance(TimeSpan.FromSeconds(2));
        version = 2;
        using (var refreshed = await apps.A.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache")))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        apps.Shared.Put(entryKey, older);
        apps.A.Time.Advance(TimeSpan.FromMinutes(1));
        down = originDown;
        using var after = await apps.A.GetAsync(Url);

        Assert.Equal("v2", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", after.CacheStatus());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnotherInstanceRevalidates_OriginServersClocksDiffer_TheRefreshedEntryIsUsed(bool originDown)
    {
        // Two origin servers behind one name, one clock 10 s ahead. A got v1 from the fast one; v1 goes stale, and B
        // revalidates it through the other, whose 304 is dated earlier than A's copy. The same version, refreshed: A
        // uses the store's entry (a hit, also when the origin is down by then), not its own stale copy.
        using var apps = new TwoInstances(o =>
        {
            o.NearCacheEntryDuration = TimeSpan.FromSeconds(1);
            o.MinimumFreshness = TimeSpan.Zero;
        });
        var fullFromA = 0;
        var down = false;
        apps.A.Origin.When(Url).Respond(_ =>
        {
            if (down)
            {
                return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
            }

            fullFromA++;
            var response = apps.A.Response("v1", "max-age=5", "\"v1\"");
            response.Headers.Date = apps.A.Time.GetUtcNow() + TimeSpan.FromSeconds(10);
            return response;
        });
        apps.B.Origin.When(Url).Respond(_ => apps.B.NotModified("max-age=600", "\"v1\""));
        (await apps.A.GetAsync(Url)).Dispose();
        apps.A.Time.Advance(TimeSpan.FromSeconds(6));
        using (var fromB = await apps.B.GetAsync(Url))
        {
            Assert.StartsWith("HttpCaching; fwd=stale", fromB.CacheStatus());
        }

        down = originDown;
        using var fromA = await apps.A.GetAsync(Url);

        Assert.Equal("v1", await fromA.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", fromA.CacheStatus());
        Assert.Equal(1, fullFromA);
    }

    [Fact]
    public async Task AnotherInstanceStoresANewerEntry_AfterTheWindow_ItIsServed()
    {
        // The check is against older responses only: B's newer v2 replaces the v1 A last had.
        using var apps = new TwoInstances(o => o.NearCacheEntryDuration = TimeSpan.FromSeconds(5));
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response("v1", "max-age=600", "\"v1\""));
        apps.B.Origin.When(Url).Respond(_ => apps.A.Response("v2", "max-age=600", "\"v2\""));
        (await apps.A.GetAsync(Url)).Dispose();
        apps.A.Time.Advance(TimeSpan.FromSeconds(2));
        (await apps.B.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"))).Dispose();

        apps.A.Time.Advance(TimeSpan.FromMinutes(1));
        using var fromA = await apps.A.GetAsync(Url);

        Assert.Equal("v2", await fromA.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", fromA.CacheStatus());
    }

    [Fact]
    public async Task OriginBackoff_FromAnOlderView_NeverReplacesAnotherInstancesNewerVersion()
    {
        // A still sees v1 through its near cache when B stores v2; A's origin then fails and A backs off. The back-off
        // lives apart from the entry, so B (and every instance) keeps v2.
        using var apps = new TwoInstances(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.NearCacheEntryDuration = TimeSpan.FromMinutes(5);
        });
        apps.A.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => apps.A.Response("down", status: System.Net.HttpStatusCode.ServiceUnavailable));
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=60", "\"v1\""));
        apps.B.Origin.When(Url).Respond(_ => apps.A.Response("<rss>2</rss>", "max-age=600", "\"v2\""));
        await apps.A.GetAsync(Url);
        apps.A.Time.Advance(TimeSpan.FromMinutes(2));
        using (var newer = await apps.B.GetAsync(Url))
        {
            Assert.Equal("<rss>2</rss>", await newer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        using (var backedOff = await apps.A.GetAsync(Url))
        {
            Assert.Contains("fwd-status=503", backedOff.CacheStatus(), StringComparison.Ordinal);
        }

        apps.A.Time.Advance(TimeSpan.FromMinutes(6));
        using var fromB = await apps.B.GetAsync(Url);
        using var fromA = await apps.A.GetAsync(Url);

        Assert.Equal("<rss>2</rss>", await fromB.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", fromB.CacheStatus());
        Assert.Equal("<rss>2</rss>", await fromA.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OriginBackoff_RecordedByOneInstance_HoldsOffTheOther()
    {
        using var apps = new TwoInstances(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.NearCacheEntryDuration = TimeSpan.Zero;
            o.OriginBackoff = TimeSpan.FromMinutes(1);
        });
        var failing = false;
        apps.A.Origin.When(Url).Respond(_ => failing ? apps.A.Response("down", status: System.Net.HttpStatusCode.ServiceUnavailable) : apps.A.Response("<rss>1</rss>", "max-age=60", "\"v1\""));
        var b = apps.B.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=60", "\"v1\""));
        await apps.A.GetAsync(Url);
        failing = true;
        apps.A.Time.Advance(TimeSpan.FromMinutes(2));
        (await apps.A.GetAsync(Url)).Dispose();

        using var heldOff = await apps.B.GetAsync(Url);
        apps.A.Time.Advance(TimeSpan.FromMinutes(1));
        using var afterBackoff = await apps.B.GetAsync(Url);

        Assert.Contains("detail=retry-after", heldOff.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, apps.B.Origin.GetMatchCount(b));
        Assert.StartsWith("HttpCaching; fwd=stale; fwd-status=200", afterBackoff.CacheStatus());
    }

    [Fact]
    public async Task SharedStore_OneInstanceFetches_TheOtherServesAHit()
    {
        using var apps = new TwoInstances();
        var a = apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=600", "\"v1\""));
        var b = apps.B.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=600", "\"v1\""));

        await apps.A.GetAsync(Url);
        using var hit = await apps.B.GetAsync(Url);

        Assert.Equal(1, apps.A.Origin.GetMatchCount(a));
        Assert.Equal(0, apps.B.Origin.GetMatchCount(b));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal("<rss>1</rss>", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task NearCache_BodyReadOnce_EntryReadAgainOnlyAfterTheWindow()
    {
        using var apps = new TwoInstances(o => o.NearCacheEntryDuration = TimeSpan.FromSeconds(5));
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=600", "\"v1\""));

        await apps.A.GetAsync(Url);
        apps.Shared.ClearLog();
        await apps.B.GetAsync(Url);
        var firstReads = apps.Shared.Count("get");
        await apps.B.GetAsync(Url);
        var withinWindow = apps.Shared.Count("get") - firstReads;
        apps.A.Time.Advance(TimeSpan.FromSeconds(6));
        await apps.B.GetAsync(Url);
        var afterWindow = apps.Shared.Count("get") - firstReads - withinWindow;

        Assert.Equal(2, firstReads);
        Assert.Equal(0, withinWindow);
        Assert.Equal(1, afterWindow);
        Assert.All(apps.Shared.Operations.Where(o => o.Operation == "get").Skip(2), o => Assert.Contains(":e:", o.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NearCache_NewVersionFromOtherInstance_SeenOnceTheWindowPasses()
    {
        using var apps = new TwoInstances(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
        });
        var version = 1;
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response($"<rss>{version}</rss>", "max-age=60", $"\"v{version}\""));

        await apps.A.GetAsync(Url);
        await apps.B.GetAsync(Url);
        version = 2;
        apps.A.Time.Advance(TimeSpan.FromSeconds(61));
        using var changed = await apps.A.GetAsync(Url);
        Assert.Equal("<rss>2</rss>", await changed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // B's near cache still holds the v1 entry, now stale: B goes to the store after its window, and finds v2.
        apps.A.Time.Advance(TimeSpan.FromSeconds(5));
        using var fromB = await apps.B.GetAsync(Url);

        Assert.Equal("<rss>2</rss>", await fromB.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", fromB.CacheStatus());
    }

    [Fact]
    public async Task NearCache_ZeroSize_EveryReadGoesToTheStore()
    {
        using var apps = new TwoInstances(o => o.NearCacheSizeLimit = 0);
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=600", "\"v1\""));

        await apps.A.GetAsync(Url);
        apps.Shared.ClearLog();
        await apps.B.GetAsync(Url);
        await apps.B.GetAsync(Url);

        Assert.Equal(4, apps.Shared.Count("get"));
    }

    [Fact]
    public async Task NearCache_InvalidationEvictsLocalCopy()
    {
        using var apps = new TwoInstances();
        var origin = apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>1</rss>", "max-age=600", "\"v1\""));

        await apps.A.GetAsync(Url);
        await apps.A.GetAsync(Url);
        await apps.A.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), TestContext.Current.CancellationToken);
        await apps.A.GetAsync(Url);

        Assert.Equal(2, apps.A.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task NearCache_CorruptBodyFromStore_NeverKept()
    {
        using var apps = new TwoInstances();
        apps.A.Origin.When(Url).Respond(_ => apps.A.Response("<rss>real</rss>", "max-age=600", "\"v1\""));
        var fromB = apps.B.Origin.When(Url).Respond(_ => apps.A.Response("<rss>real</rss>", "max-age=600", "\"v1\""));

        await apps.A.GetAsync(Url);
        var bodyKey = Assert.Single(apps.Shared.Keys, k => k.Contains(":b:", StringComparison.Ordinal));
        var good = apps.Shared.Raw(bodyKey)!;
        apps.Shared.Put(bodyKey, good[..^2]);
        using var first = await apps.B.GetAsync(Url);
        apps.Shared.Put(bodyKey, good);
        using var second = await apps.B.GetAsync(Url);

        Assert.Equal("<rss>real</rss>", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("<rss>real</rss>", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
