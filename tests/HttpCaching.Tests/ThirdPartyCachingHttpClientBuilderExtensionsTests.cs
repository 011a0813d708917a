using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

public sealed class ThirdPartyCachingHttpClientBuilderExtensionsTests
{
    private const string Url = "https://api.example.test/v1/thing?api_key=SECRET123";

    [Fact]
    public void AddThirdPartyCaching_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => ThirdPartyCachingHttpClientBuilderExtensions.AddThirdPartyCaching(null!));
        var builder = new ServiceCollection().AddHttpClient("x");
        Assert.Throws<ArgumentNullException>(() => builder.AddThirdPartyCaching((Action<ThirdPartyCachingOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddThirdPartyCaching((IConfigurationSection)null!));
        Assert.Throws<ArgumentNullException>(() => ThirdPartyCachingHttpClientBuilderExtensions.AddThirdPartyCaching(null!, new ConfigurationBuilder().Build().GetSection("x")));
    }

    [Fact]
    public void AddThirdPartyCaching_ReturnsTheBuilder()
    {
        var builder = new ServiceCollection().AddHttpClient("x");
        Assert.Same(builder, builder.AddThirdPartyCaching());
    }

    [Fact]
    public void AddThirdPartyCaching_ThroughConfigureHttpClientDefaults_FailsSayingItNeedsANamedClient()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<InvalidOperationException>(() => services.ConfigureHttpClientDefaults(b => b.AddThirdPartyCaching()));

        Assert.Contains("named client", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ConfigureHttpClientDefaults", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddThirdPartyCaching_CalledTwiceForOneClient_OneCacheWithTheOptionsOfBothCalls(bool twoBuilders)
    {
        // Twice on one builder, or once on each of two builders of the same name (a library and the application, say).
        // Two handlers on one cache would deadlock a miss (the inner one joins the outer one's origin request) until
        // OriginTimeout; one handler serves, and both calls' options apply.
        using var origin = new MockHttpMessageHandler();
        var calls = 0;
        origin.When("https://api.example.test/twice").Respond(_ =>
        {
            Interlocked.Increment(ref calls);
            var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("one") };
            response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=0");
            return response;
        });
        var services = new ServiceCollection();
        var builder = services.AddHttpClient("twice").AddThirdPartyCaching(o => o.OriginTimeout = TimeSpan.FromSeconds(5));
        (twoBuilders ? services.AddHttpClient("twice") : builder)
            .AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.FromHours(2))
            .ConfigurePrimaryHttpMessageHandler(() => origin);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("twice");

        Assert.Equal("one", await client.GetStringAsync("https://api.example.test/twice", TestContext.Current.CancellationToken));
        Assert.Equal("one", await client.GetStringAsync("https://api.example.test/twice", TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
        var options = provider.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>().Get("twice");
        Assert.Equal(TimeSpan.FromSeconds(5), options.OriginTimeout);
        Assert.Equal(TimeSpan.FromHours(2), options.MinimumFreshness);
    }

    [Fact]
    public void Options_Defaults_AreDocumentedValues()
    {
        var options = new ThirdPartyCachingOptions();
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(30), options.MinimumFreshness);
        Assert.Equal(8 * 1024 * 1024, options.MaxBodySize);
        Assert.True(options.Shared);
        Assert.Null(options.StoreServiceKey);
        Assert.Equal("httpcaching:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromDays(1), options.StaleRetention);
        Assert.Equal(128 * 1024 * 1024, new HttpCachingStoreOptions().MemorySizeLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), options.OriginTimeout);
    }

    [Fact]
    public void Configuration_ClientSection_OverridesCodeAndDefaults()
    {
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.FromMinutes(1);
                o.MaxBodySize = 100;
            },
            new Dictionary<string, string?>
            {
                ["HttpCaching:Defaults:MinimumFreshness"] = "00:05:00",
                ["HttpCaching:Defaults:Shared"] = "false",
                ["HttpCaching:Clients:embedly:MinimumFreshness"] = "00:10:00",
            },
            clientNames: ["embedly", "rss"]);

        harness.ValidateOnStart();
        var embedly = harness.Options("embedly");
        var rss = harness.Options("rss");

        Assert.Equal(TimeSpan.FromMinutes(10), embedly.MinimumFreshness);
        Assert.Equal(TimeSpan.FromMinutes(5), rss.MinimumFreshness);
        Assert.False(embedly.Shared);
        Assert.Equal(100, embedly.MaxBodySize);
    }

    [Fact]
    public void Configuration_ClientSectionInOtherCase_FailsNamingTheKeyAndTheClient()
    {
        // Client names are compared as IHttpClientFactory compares them: ordinally.
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?> { ["HttpCaching:Clients:EMBEDLY:Enabled"] = "false" },
            clientNames: ["embedly"]);

        var exception = Assert.ThrowsAny<Exception>(harness.ValidateOnStart);

        Assert.Contains("HttpCaching:Clients:EMBEDLY configures no client: client names are case-sensitive", AllMessages(exception), StringComparison.Ordinal);
        Assert.Contains("'embedly'", AllMessages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_Reload_TakesEffectOnNextRequest()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Clients:test:MinimumFreshness"] = "00:30:00",
        });
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=0"));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(10));

        harness.Configuration["HttpCaching:Clients:test:MinimumFreshness"] = "00:05:00";
        harness.Configuration.Reload();
        using var afterReload = await harness.GetAsync(Url);

        Assert.Equal(TimeSpan.FromMinutes(5), harness.Options().MinimumFreshness);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Configuration_ReloadIntoInvalidState_KeepsLastValidOptions()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Clients:test:MinimumFreshness"] = "01:00:00",
        });
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=0"));
        await harness.GetAsync(Url);

        harness.Configuration["HttpCaching:Clients:test:MinimumFreshness"] = "-00:01:00";

        // The options monitor rebuilds the options eagerly on reload and reports the invalid state to the reloader.
        var reloadError = Record.Exception(harness.Configuration.Reload);
        Assert.Contains("HttpCaching:Clients:test:MinimumFreshness must be between", reloadError?.InnerException?.Message ?? reloadError?.Message, StringComparison.Ordinal);
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        using var response = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Configuration_ReloadIntoInvalidState_KeepsLastValidOptionsAcrossHandlerRotation()
    {
        // IHttpClientFactory builds a new handler every handler lifetime: the last valid options must outlive it.
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Clients:test:MinimumFreshness"] = "01:00:00",
        });
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=0"));
        using (var first = new HttpClient(harness.NewHandlerChain(), disposeHandler: true))
        {
            using var stored = await first.GetAsync(Url, TestContext.Current.CancellationToken);
        }

        harness.Configuration["HttpCaching:Clients:test:MinimumFreshness"] = "-00:01:00";
        _ = Record.Exception(harness.Configuration.Reload);
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        using var rotated = new HttpClient(harness.NewHandlerChain(), disposeHandler: true);
        using var response = await rotated.GetAsync(Url, TestContext.Current.CancellationToken);

        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("HttpCaching:Clients:test:MinimumFreshness", "-00:00:01", "Client 'test': The field HttpCaching:Clients:test:MinimumFreshness must be between 00:00:00 and 365.00:00:00.")]
    [InlineData("HttpCaching:Clients:test:MinimumFreshnes", "00:01:00", "HttpCaching:Clients:test:MinimumFreshnes is not a known setting")]
    [InlineData("HttpCaching:Defaults:Bogus", "1", "HttpCaching:Defaults:Bogus is not a known setting")]
    [InlineData("HttpCaching:Clients:test:MinimumFreshness", "half an hour", "HttpCaching:Clients:test:MinimumFreshness")]
    [InlineData("HttpCaching:Clients:test:MaxBodySize", "-5", "HttpCaching:Clients:test:MaxBodySize must be between 0 and")]
    [InlineData("HttpCaching:Clients:test:StoreServiceKey", "nowhere", "HttpCaching:Clients:test:StoreServiceKey is 'nowhere', but no keyed IDistributedCache")]
    [InlineData("HttpCaching:Clients:test:OriginTimeout", "00:00:00.500", "HttpCaching:Clients:test:OriginTimeout must be between 00:00:01 and 01:00:00")]
    [InlineData("HttpCaching:Clients:test:OriginTimeout", "01:00:01", "HttpCaching:Clients:test:OriginTimeout must be between 00:00:01 and 01:00:00")]
    [InlineData("HttpCaching:Clients:tset:Enabled", "false", "HttpCaching:Clients:tset configures a client that has no caching handler")]
    [InlineData("HttpCaching:Clients:test:MaxBodySize", "lots", "HttpCaching:Clients:test:MaxBodySize")]
    [InlineData("HttpCaching:Clients:test:Enabled", "", "HttpCaching:Clients:test:Enabled needs a value.")]
    [InlineData("HttpCaching:Clients:test:KeyPrefix", "", "The HttpCaching:Clients:test:KeyPrefix field is required.")]
    [InlineData("HttpCaching:Defaults:MinimumFreshness:Minutes", "5", "HttpCaching:Defaults:MinimumFreshness must be a value, not a section.")]
    [InlineData("HttpCaching:Store:MemorySizeLimit", "0", "The field HttpCaching:Store:MemorySizeLimit must be between 1 and 1099511627776.")]
    [InlineData("HttpCaching:Store:MemorySizeLimit", "lots", "HttpCaching:Store:MemorySizeLimit")]
    [InlineData("HttpCaching:Store:MemorySizeLimt", "1048576", "HttpCaching:Store:MemorySizeLimt is not a known setting. Known settings: MemorySizeLimit, Integrity.")]
    [InlineData("HttpCaching:Store", "on", "HttpCaching:Store is a section, not a value.")]
    [InlineData("HttpCaching:MemoryStoreSizeLimit", "1048576", "HttpCaching:MemoryStoreSizeLimit has moved: set HttpCaching:Store:MemorySizeLimit instead.")]
    [InlineData("HttpCaching:Integrity:Keys:0", "a2V5", "HttpCaching:Integrity has moved: set HttpCaching:Store:Integrity instead.")]
    [InlineData("HttpCaching:integrity:Encrypt", "true", "HttpCaching:integrity has moved: set HttpCaching:Store:Integrity instead.")]
    [InlineData("HttpCaching:Typo", "1", "HttpCaching:Typo is not a known setting. HttpCaching holds only the sections Defaults, Clients, Store.")]
    public void ValidateOnStart_InvalidConfiguration_FailsNamingTheKey(string key, string value, string expectedMessage)
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { [key] = value });

        var exception = Assert.ThrowsAny<Exception>(harness.ValidateOnStart);

        Assert.Contains(expectedMessage, AllMessages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_InvalidCodeOptions_FailsNamingTheClient()
    {
        using var harness = new CachingHarness(o => o.StaleRetention = TimeSpan.FromSeconds(-1));

        var exception = Assert.Throws<OptionsValidationException>(harness.ValidateOnStart);

        Assert.Contains("Client 'test': The field HttpCaching:Clients:test:StaleRetention must be between 00:00:00 and 365.00:00:00.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_ValidConfiguration_Passes()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Store:MemorySizeLimit"] = "1048576",
            ["HttpCaching:Defaults:MinimumFreshness"] = "00:00:00",
            ["HttpCaching:Clients:test:StoreServiceKey"] = "",
            ["HttpCaching:Clients:test:KeyPrefix"] = "app1:",
        });

        harness.ValidateOnStart();

        Assert.Null(harness.Options().StoreServiceKey);
        Assert.Equal("app1:", harness.Options().KeyPrefix);
    }

    [Fact]
    public void AddThirdPartyCaching_Section_BindsItAfterDefaultsAndTheClientsSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HttpCaching:Defaults:MinimumFreshness"] = "00:05:00",
            ["HttpCaching:Defaults:MaxBodySize"] = "1000",
            ["HttpCaching:Clients:embedly:MinimumFreshness"] = "00:06:00",
            ["HttpCaching:Clients:embedly:Shared"] = "false",
            ["Embedly:Cache:MinimumFreshness"] = "00:07:00",
            ["Embedly:Cache:KeyPrefix"] = "embedly-cache:",
        }).Build();
        using var provider = Provider(configuration, b => b.AddThirdPartyCaching(configuration.GetSection("Embedly:Cache")));

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>().Get("embedly");

        Assert.Equal(TimeSpan.FromMinutes(7), options.MinimumFreshness);
        Assert.Equal("embedly-cache:", options.KeyPrefix);
        Assert.False(options.Shared);
        Assert.Equal(1000, options.MaxBodySize);
    }

    [Fact]
    public void AddThirdPartyCaching_SectionOfAnotherConfiguration_IsBoundAndReloaded()
    {
        // The section need not come from the application's IConfiguration, and the application may have none.
        var own = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Cache:MinimumFreshness"] = "00:07:00" }).Build();
        using var provider = Provider(configuration: null, b => b.AddThirdPartyCaching(own.GetSection("Cache")));
        provider.GetRequiredService<IStartupValidator>().Validate();
        var monitor = provider.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>();
        Assert.Equal(TimeSpan.FromMinutes(7), monitor.Get("embedly").MinimumFreshness);

        own["Cache:MinimumFreshness"] = "00:08:00";
        own.Reload();

        Assert.Equal(TimeSpan.FromMinutes(8), monitor.Get("embedly").MinimumFreshness);
    }

    [Theory]
    [InlineData("Embedly:Cache:MinimumFreshnes", "00:01:00", "Client 'embedly': Embedly:Cache:MinimumFreshnes is not a known setting. Known settings: Enabled, MinimumFreshness,")]
    [InlineData("Embedly:Cache:ValidateResponse", "x", "Client 'embedly': Embedly:Cache:ValidateResponse is not a known setting.")]
    [InlineData("Embedly:Cache:MaxBodySize", "big", "Embedly:Cache:MaxBodySize")]
    [InlineData("Embedly:Cache:Shared", "maybe", "Embedly:Cache:Shared")]
    [InlineData("Embedly:Cache:MinimumFreshness", "-00:00:01", "Client 'embedly': The field Embedly:Cache:MinimumFreshness must be between 00:00:00 and 365.00:00:00.")]
    [InlineData("Embedly:Cache:StoreTimeout", "00:00:00", "Client 'embedly': Embedly:Cache:StoreTimeout must be positive, or -00:00:00.001 for no limit (it is 00:00:00).")]
    [InlineData("Embedly:Cache:StoreServiceKey", "nowhere", "Client 'embedly': Embedly:Cache:StoreServiceKey is 'nowhere', but no keyed IDistributedCache")]
    public void AddThirdPartyCaching_InvalidSection_FailsOnStartNamingTheKey(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var provider = Provider(configuration, b => b.AddThirdPartyCaching(configuration.GetSection("Embedly:Cache")));

        var exception = Assert.ThrowsAny<Exception>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains(expected, AllMessages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_ErrorsInSeveralSections_AreReportedTogether()
    {
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?>
            {
                ["HttpCaching:Clients:embedly:MinimumFreshnes"] = "00:01:00",
                ["HttpCaching:Clients:rss:MaxBodySize"] = "-1",
                ["HttpCaching:MemoryStoreSizeLimit"] = "1",
            },
            clientNames: ["embedly", "rss"]);

        var messages = AllMessages(Assert.ThrowsAny<Exception>(harness.ValidateOnStart));

        Assert.Contains("Client 'embedly': HttpCaching:Clients:embedly:MinimumFreshnes is not a known setting", messages, StringComparison.Ordinal);
        Assert.Contains("Client 'rss': The field HttpCaching:Clients:rss:MaxBodySize must be between 0 and 1073741824.", messages, StringComparison.Ordinal);
        Assert.Contains("HttpCaching:MemoryStoreSizeLimit has moved: set HttpCaching:Store:MemorySizeLimit instead.", messages, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationShapes_ListEverySettingButTheDelegates()
    {
        static IEnumerable<string> Settings(Type type) => type.GetProperties()
            .Where(p => !typeof(Delegate).IsAssignableFrom(p.PropertyType) && (p.CanWrite || !p.PropertyType.IsValueType))
            .Select(p => p.Name);

        Assert.Equal(Settings(typeof(ThirdPartyCachingOptions)), ConfigurationShape.ThirdPartyCaching.Names);
        Assert.Equal(Settings(typeof(HttpCachingStoreOptions)), ConfigurationShape.Store.Names);
    }

    [Fact]
    public async Task Store_NoDistributedCacheRegistered_UsesPrivateMemoryStore()
    {
        using var harness = new CachingHarness(registerStore: false);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=600"));

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Null(harness.Services.GetService<IDistributedCache>());
    }

    [Fact]
    public async Task Store_StoreServiceKey_UsesThatKeyedStoreOnly()
    {
        RecordingDistributedCache? keyed = null;
        using var harness = new CachingHarness(
            o => o.StoreServiceKey = "feeds",
            services: s => s.AddKeyedSingleton<IDistributedCache>("feeds", (sp, _) => keyed = new RecordingDistributedCache(sp.GetRequiredService<TimeProvider>())));
        harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=600"));

        harness.ValidateOnStart();
        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.NotNull(keyed);
        Assert.Equal(2, keyed.Keys.Count);
        Assert.Empty(harness.Store.Operations);
    }

    [Fact]
    public async Task Store_TwoClients_AreIsolated()
    {
        using var harness = new CachingHarness(clientNames: ["embedly", "rss"]);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=600"));

        await harness.GetAsync(Url, "embedly");
        using var other = await harness.GetAsync(Url, "rss");
        using var hit = await harness.GetAsync(Url, "embedly");

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; fwd=uri-miss", other.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(2, harness.Store.Keys.Count(k => k.StartsWith("httpcaching:embedly:", StringComparison.Ordinal)));
        Assert.Equal(2, harness.Store.Keys.Count(k => k.StartsWith("httpcaching:rss:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Store_Keys_NeverContainTheUrl()
    {
        using var harness = new CachingHarness(o => o.KeyPrefix = "app:");
        harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=600"));

        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Store.Keys.Count);
        foreach (var key in harness.Store.Keys)
        {
            Assert.StartsWith("app:test:", key, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET123", key, StringComparison.Ordinal);
            Assert.DoesNotContain("api.example.test", key, StringComparison.Ordinal);
            Assert.DoesNotContain("thing", key, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Store_Down_RequestsStillSucceedFromOrigin()
    {
        var down = ChaosDistributedCache.Down();
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<IDistributedCache>(down));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("from origin", "max-age=600"));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal("from origin", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", second.CacheStatus());
        Assert.True(down.Calls >= 4);
    }

    [Fact]
    public async Task TimeProvider_FromDependencyInjection_IsUsed()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).Respond(_ => harness.Response("a", "max-age=100"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(99));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("99", hit.Header("Age"));
    }

    private static string AllMessages(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(AllMessages))
            : exception.Message + (exception.InnerException is { } inner ? " | " + AllMessages(inner) : "");

    private static ServiceProvider Provider(IConfiguration? configuration, Action<IHttpClientBuilder> addCaching)
    {
        var services = new ServiceCollection();
        if (configuration is not null)
        {
            services.AddSingleton(configuration);
        }

        addCaching(services.AddHttpClient("embedly"));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
