using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Hits served from the near cache never touch the shared store, so an evicting store would drop a body version that
/// is in use while its entry stays. Each time the entry record is read from the store again (once per near-cache
/// window), the body version it points at is refreshed there too, in the background.
/// </summary>
public sealed class BodyTouchTests
{
    private const string Url = "https://api.example.test/oembed?url=a";

    [Fact]
    public async Task EntryReadFromStoreBodyFromMemory_BodyRefreshedInTheStore()
    {
        using var app = new App();
        (await app.Harness.GetAsync(Url)).Dispose();
        app.Store.ClearLog();
        app.Harness.Time.Advance(TimeSpan.FromSeconds(6));

        using var hit = await app.Harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, app.Store.Count("get", k => k.Contains(":e:", StringComparison.Ordinal)));
        Assert.Equal(0, app.Store.Count("get", k => k.Contains(":b:", StringComparison.Ordinal)));
        Assert.Equal(1, app.Store.Count("refresh", k => k.Contains(":b:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EntryWithinTheNearCacheWindow_NoStoreCallAtAll()
    {
        using var app = new App();
        (await app.Harness.GetAsync(Url)).Dispose();
        app.Store.ClearLog();

        using var hit = await app.Harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Empty(app.Store.Operations);
    }

    [Fact]
    public async Task BodyReadFromTheStore_NoExtraRefresh()
    {
        // A body read from the store was just used there (a sliding record is extended by the read itself).
        using var app = new App(nearCacheSizeLimit: 1);
        (await app.Harness.GetAsync(Url)).Dispose();
        app.Store.ClearLog();
        app.Harness.Time.Advance(TimeSpan.FromSeconds(6));

        (await app.Harness.GetAsync(Url)).Dispose();

        Assert.Equal(1, app.Store.Count("get", k => k.Contains(":b:", StringComparison.Ordinal)));
        Assert.Equal(0, app.Store.Count("refresh"));
    }

    private sealed class App : IDisposable
    {
        public App(long? nearCacheSizeLimit = null)
        {
            Harness = new CachingHarness(
                o =>
                {
                    o.NearCacheEntryDuration = TimeSpan.FromSeconds(5);
                    o.NearCacheSizeLimit = nearCacheSizeLimit ?? o.NearCacheSizeLimit;
                },
                registerStore: false,
                nearCache: true,
                services: s => s.AddSingleton<IDistributedCache>(Store));
            Harness.Origin.When(Url).Respond(_ => Harness.Response("{\"type\":\"link\"}", "max-age=600", "\"e1\""));
        }

        public RecordingDistributedCache Store { get; } = new(TimeProvider.System);

        public CachingHarness Harness { get; }

        public void Dispose() => Harness.Dispose();
    }
}
