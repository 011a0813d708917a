using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Logger categories are public contract: applications filter on them. They are pinned here as literals, so that
/// moving or renaming the types that log (the handler, the client's cache, the store guard) can never change them.
/// </summary>
public sealed class LoggerCategoryTests
{
    private const string Url = "https://api.example.test/categories";
    private const string HandlerCategory = "HttpCaching.Internal.ThirdPartyCachingHandler";
    private const string StoreCategory = "HttpCaching.Store";

    [Fact]
    public void Constants_AreTheCategoriesAsShipped()
    {
        Assert.Equal(HandlerCategory, HttpCachingDiagnostics.HandlerLoggerCategory);
        Assert.Equal(StoreCategory, HttpCachingDiagnostics.StoreLoggerCategory);
    }

    [Fact]
    public async Task CacheMessages_AreLoggedUnderTheHandlerCategory()
    {
        using var harness = new CachingHarness(services: s => s.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace)));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60"));

        (await harness.GetAsync(Url)).Dispose();
        (await harness.GetAsync(Url)).Dispose();

        Assert.Equal(HandlerCategory, Assert.Single(harness.Logs.WithId(ClientCache.Log.StoredId)).Category);
        Assert.Equal(HandlerCategory, Assert.Single(harness.Logs.WithId(ClientCache.Log.HitId)).Category);
    }

    [Fact]
    public async Task StoreFailures_AreLoggedUnderTheStoreCategory()
    {
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s
                .AddSingleton<IDistributedCache>(ChaosDistributedCache.Down())
                .AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace)));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60"));

        (await harness.GetAsync(Url)).Dispose();

        var failures = harness.Logs.WithId(GuardedStore.Log.StoreFailedId);
        Assert.NotEmpty(failures);
        Assert.All(failures, e => Assert.Equal(StoreCategory, e.Category));
    }
}
