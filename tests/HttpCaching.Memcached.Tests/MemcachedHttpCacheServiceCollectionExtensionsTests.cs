using HttpCaching.Memcached.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Memcached.Tests;

/// <summary>Registration, configuration binding and start-up validation; no server is needed.</summary>
public sealed class MemcachedHttpCacheServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMemcachedHttpCache_Servers_RegistersOneStoreWithEveryServer()
    {
        using var provider = Build(s => s.AddMemcachedHttpCache("a:11211, b:11212,c"));

        var store = Assert.IsType<MemcachedCacheStore>(provider.GetRequiredService<IDistributedCache>());

        Assert.Same(store, provider.GetRequiredService<IDistributedCache>());
        Assert.IsType<IBufferDistributedCache>(store, exactMatch: false);
        Assert.Equal(["a:11211", "b:11212", "c:11211"], store.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void AddKeyedMemcachedHttpCache_TwoStores_HaveTheirOwnOptions()
    {
        using var provider = Build(s => s
            .AddKeyedMemcachedHttpCache("a", "a:11211")
            .AddKeyedMemcachedHttpCache("b", o => (o.Servers, o.KeyPrefix) = ("b:11211", "b:")));

        var a = Assert.IsType<MemcachedCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("a"));
        var b = Assert.IsType<MemcachedCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("b"));

        Assert.NotSame(a, b);
        Assert.Equal("b:", provider.GetRequiredService<IOptionsMonitor<MemcachedHttpCacheOptions>>().Get("b").KeyPrefix);
        Assert.Null(provider.GetService<IDistributedCache>());
    }

    [Fact]
    public void AddKeyedMemcachedHttpCache_Section_BindsEveryOption()
    {
        using var provider = Build(s => s.AddKeyedMemcachedHttpCache("feeds", Section(new()
        {
            ["Servers"] = "cache1:11211,cache2:11211",
            ["KeyPrefix"] = "app:",
            ["Username"] = "httpcache",
            ["Password"] = "secret",
            ["ConnectTimeout"] = "00:00:03",
            ["OperationTimeout"] = "00:00:01",
            ["MaxConnectionsPerServer"] = "8",
            ["ServerRetryInterval"] = "00:00:02",
            ["MaxServerRetryInterval"] = "00:01:00",
        })));
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptionsMonitor<MemcachedHttpCacheOptions>>().Get("feeds");

        Assert.Equal(("cache1:11211,cache2:11211", "app:", "httpcache", "secret"), (options.Servers, options.KeyPrefix, options.Username, options.Password));
        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 8), (options.ConnectTimeout, options.OperationTimeout, options.MaxConnectionsPerServer));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), (options.ServerRetryInterval, options.MaxServerRetryInterval));
    }

    [Fact]
    public void AddMemcachedHttpCache_SectionWithAnUnknownKey_FailsStartNamingTheKey()
    {
        using var provider = Build(s => s.AddMemcachedHttpCache(Section(new() { ["Servers"] = "a:1", ["Sevrers"] = "b:2", ["Password"] = "p4ss" })));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("HttpCache:Memcached:Sevrers is not a known option", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("p4ss", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UseTls", "maybe")]
    [InlineData("MaxConnectionsPerServer", "many")]
    [InlineData("OperationTimeout", "soon")]
    [InlineData("UseTls", "")]
    public void AddMemcachedHttpCache_SectionWithAValueThatDoesNotConvert_FailsStartNamingTheKey(string key, string value)
    {
        using var provider = Build(s => s.AddKeyedMemcachedHttpCache("feeds", Section(new() { ["Servers"] = "a:1", [key] = value })));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains($"HttpCache:Memcached:{key}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'feeds'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMemcachedHttpCache_SectionWithASubsection_Fails()
    {
        using var provider = Build(s => s.AddMemcachedHttpCache(Section(new() { ["Servers:0"] = "a:1" })));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("HttpCache:Memcached:Servers must be a value, not a section", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Servers names no server")]
    [InlineData("a:0", "Servers has 'a:0', which is not host:port")]
    [InlineData("a:1,a:1", "Servers names a:1 twice")]
    public void Validate_BadServers_NamesTheProblem(string? servers, string expected)
    {
        Assert.Contains(expected, Failure(o => o.Servers = servers), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TlsSettingsWithoutTls_Fail()
    {
        var path = Path.GetTempFileName();
        try
        {
            var failure = Failure(o => (o.Servers, o.TlsServerName, o.CaCertificatePath) = ("a:1", "cache.internal", path));

            Assert.Contains("TlsServerName is set but TLS is off", failure, StringComparison.Ordinal);
            Assert.Contains("CaCertificatePath", failure, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_PasswordWithoutUser_FailsWithoutShowingIt()
    {
        var failure = Failure(o => (o.Servers, o.Password) = ("a:1", "hunter2-secret"));

        Assert.Contains("Username must be set with Password", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user name")]
    [InlineData("")]
    public void Validate_UserWithSpaces_Fails(string user)
    {
        Assert.Contains("Username must be a word", Failure(o => (o.Servers, o.Username, o.Password) = ("a:1", user, "p")), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TimeoutsAndPool_Bounded()
    {
        var failure = Failure(o =>
        {
            o.Servers = "a:1";
            o.OperationTimeout = TimeSpan.Zero;
            o.MaxConnectionsPerServer = 0;
            o.ServerRetryInterval = TimeSpan.FromMinutes(2);
        });

        Assert.Contains("OperationTimeout is 00:00:00", failure, StringComparison.Ordinal);
        Assert.Contains("MaxConnectionsPerServer is 0", failure, StringComparison.Ordinal);
        Assert.Contains("MaxServerRetryInterval is 00:00:30, shorter than ServerRetryInterval", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_WithServers_Pass()
    {
        Assert.Null(Failure(o => o.Servers = "a:1"));
    }

    [Fact]
    public void AddMemcachedHttpCache_NullArguments_Throw()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>(() => services.AddMemcachedHttpCache((Action<MemcachedHttpCacheOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddMemcachedHttpCache((IConfigurationSection)null!));
        Assert.ThrowsAny<ArgumentException>(() => services.AddMemcachedHttpCache(" "));
        Assert.ThrowsAny<ArgumentException>(() => services.AddKeyedMemcachedHttpCache(string.Empty, "a:1"));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddMemcachedHttpCache(_ => { }));
    }

    private static ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(p => "HttpCache:Memcached:" + p.Key, p => p.Value))
            .Build()
            .GetSection("HttpCache:Memcached");

    private static string? Failure(Action<MemcachedHttpCacheOptions> configure)
    {
        var options = new MemcachedHttpCacheOptions();
        configure(options);
        var result = new MemcachedHttpCacheOptionsCustomValidator().Validate(null, options);
        return result.Failed ? result.FailureMessage : null;
    }
}
