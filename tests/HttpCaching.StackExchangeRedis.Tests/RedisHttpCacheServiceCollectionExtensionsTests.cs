using HttpCaching.StackExchangeRedis.Internal;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>Registration, configuration binding and start-up validation; no server is needed.</summary>
public sealed class RedisHttpCacheServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("httpcaching-redis-options-").FullName;

    [Fact]
    public void AddRedisHttpCache_ConnectionString_RegistersTheStoreOnItsOwnConnection()
    {
        using var provider = Build(s => s.AddRedisHttpCache("127.0.0.1:6379,name=app"));

        var store = Assert.IsType<RedisCacheStore>(provider.GetRequiredService<IDistributedCache>());

        Assert.Same(store, provider.GetRequiredService<IDistributedCache>());
        Assert.Same(provider.GetRequiredKeyedService<RedisStoreConnection>(Options.DefaultName), store.Connection);
        Assert.Null(store.Connection.Current);
        var configuration = ConnectsWith(provider);
        Assert.Equal("app", configuration.ClientName);
        Assert.False(configuration.AbortOnConnectFail);
        Assert.True(configuration.AllowAdmin);
        Assert.Null(configuration.LoggerFactory);
    }

    [Fact]
    public void AddRedisHttpCache_ConfigurationOptions_ConnectsWithACopy()
    {
        var given = ConfigurationOptions.Parse("127.0.0.1:6379");
        given.AbortOnConnectFail = true;
        using var provider = Build(s => s.AddRedisHttpCache(given));

        var store = Assert.IsType<RedisCacheStore>(provider.GetRequiredService<IDistributedCache>());

        var configuration = ConnectsWith(provider);
        Assert.NotSame(given, configuration);
        Assert.False(configuration.AbortOnConnectFail);
        Assert.True(given.AbortOnConnectFail);
        Assert.False(given.AllowAdmin);
    }

    [Fact]
    public void AddRedisHttpCache_OptionsOverrideTheConfigurationString()
    {
        using var provider = Build(s => s.AddRedisHttpCache(o =>
        {
            o.Configuration = "127.0.0.1:6379,ssl=false,user=a,password=b";
            (o.Ssl, o.SslHost, o.User, o.Password) = (true, "redis.internal", "httpcache", "secret");
        }));

        var store = Assert.IsType<RedisCacheStore>(provider.GetRequiredService<IDistributedCache>());
        var configuration = ConnectsWith(provider);

        Assert.True(configuration.Ssl);
        Assert.Equal("redis.internal", configuration.SslHost);
        Assert.Equal("httpcache", configuration.User);
        Assert.Equal("secret", configuration.Password);
        Assert.Equal("httpcache", store.Connection.User);
        Assert.Equal(BacklogPolicy.FailFast, configuration.BacklogPolicy);
    }

    [Fact]
    public void AddKeyedRedisHttpCache_TwoStores_HaveTheirOwnOptionsAndConnections()
    {
        using var provider = Build(s => s
            .AddKeyedRedisHttpCache("a", "127.0.0.1:6379")
            .AddKeyedRedisHttpCache("b", o => (o.Configuration, o.KeyPrefix) = ("127.0.0.1:6380", "b:")));

        var a = Assert.IsType<RedisCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("a"));
        var b = Assert.IsType<RedisCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("b"));

        Assert.NotSame(a.Connection, b.Connection);
        Assert.Same(provider.GetRequiredKeyedService<RedisStoreConnection>("b"), b.Connection);
        Assert.Equal("b:", provider.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get("b").KeyPrefix);
        Assert.Null(provider.GetService<IDistributedCache>());
    }

    [Fact]
    public void AddRedisHttpCache_Section_BindsEveryOption()
    {
        var ca = WriteCa();
        using var provider = Build(s => s.AddKeyedRedisHttpCache("feeds", Section(new()
        {
            ["Configuration"] = "redis.internal:6380",
            ["KeyPrefix"] = "app1:",
            ["Ssl"] = "true",
            ["SslHost"] = "redis.internal",
            ["User"] = "httpcache",
            ["Password"] = "secret",
            ["CaCertificatePath"] = ca,
            ["AllowNoEviction"] = "true",
        })));

        var options = provider.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get("feeds");

        Assert.Equal(("redis.internal:6380", "app1:", true, "redis.internal"), (options.Configuration, options.KeyPrefix, options.Ssl, options.SslHost));
        Assert.Equal(("httpcache", "secret", ca, true), (options.User, options.Password, options.CaCertificatePath, options.AllowNoEviction));
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("KeyPrefx", "HttpCache:Redis:KeyPrefx is not a known option")]
    [InlineData("ConfigurationOptions", "HttpCache:Redis:ConfigurationOptions is not a known option")]
    [InlineData("Ssl", "HttpCache:Redis:Ssl")]
    [InlineData("AllowNoEviction", "HttpCache:Redis:AllowNoEviction")]
    public void AddRedisHttpCache_SectionWithAnUnknownKeyOrBadValue_FailsAtStartNamingTheKey(string key, string expected)
    {
        using var provider = Build(s => s.AddRedisHttpCache(Section(new()
        {
            ["Configuration"] = "127.0.0.1:6379",
            [key] = "maybe",
        })));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("The Redis HTTP cache", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRedisHttpCache_SectionWithASectionForAValue_FailsNamingTheKey()
    {
        using var provider = Build(s => s.AddRedisHttpCache(Section(new()
        {
            ["Configuration:Host"] = "127.0.0.1",
        })));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("HttpCache:Redis:Configuration must be a value, not a section", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false, "Configuration is required")]
    [InlineData("127.0.0.1:6379", true, "ConfigurationOptions and Configuration are both set")]
    [InlineData("ssl=true", false, "names no endpoint")]
    [InlineData("127.0.0.1:6379,connectTimeout=soon,password=hunter2", false, "connectTimeout")]
    public void Validate_Connection_FailsAtStartNamingTheOption(string? configuration, bool alsoOptions, string expected)
    {
        using var provider = Build(s => s.AddKeyedRedisHttpCache("feeds", o =>
        {
            o.Configuration = configuration;
            o.ConfigurationOptions = alsoOptions ? ConfigurationOptions.Parse("127.0.0.1:6379") : null;
        }));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The Redis HTTP cache 'feeds'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CaCertificate_MustBeAReadableFileAndNeedsTls()
    {
        var notACertificate = Path.Combine(_directory, "not.pem");
        File.WriteAllText(notACertificate, "hello");
        var ca = WriteCa();

        Assert.Contains("which is not a file", Failure(o => (o.Configuration, o.CaCertificatePath) = ("127.0.0.1:6379,ssl=true", Path.Combine(_directory, "missing.pem"))));
        Assert.Contains("holds no readable PEM or DER certificate", Failure(o => (o.Configuration, o.CaCertificatePath) = ("127.0.0.1:6379,ssl=true", notACertificate)));
        Assert.Contains("CaCertificatePath is set but TLS is off", Failure(o => (o.Configuration, o.CaCertificatePath) = ("127.0.0.1:6379", ca)));
        Assert.Contains("SslHost is set but TLS is off", Failure(o => (o.Configuration, o.SslHost) = ("127.0.0.1:6379", "redis.internal")));
        Assert.Contains("User must not be empty", Failure(o => (o.Configuration, o.User) = ("127.0.0.1:6379", " ")));
        Assert.Contains("KeyPrefix must not be null", Failure(o => (o.Configuration, o.KeyPrefix) = ("127.0.0.1:6379", null!)));
        Assert.Null(Failure(o => (o.Configuration, o.Ssl, o.CaCertificatePath) = ("127.0.0.1:6379", true, ca)));
    }

    [Fact]
    public void Validate_PasswordWithACommaUnquoted_TheMessageRepeatsNoPartOfIt()
    {
        // The tail after the comma reads as an option StackExchange.Redis does not know; its own message names it.
        var failure = Failure(o => o.Configuration = "127.0.0.1:6379,password=Zx81,Sup3rS3cretTail=Q9");

        Assert.Contains("Configuration is not a valid StackExchange.Redis configuration string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rS3cretTail", failure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Zx81", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRedisHttpCache_NullArguments_Throw()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>(() => services.AddRedisHttpCache((string)null!));
        Assert.Throws<ArgumentException>(() => services.AddRedisHttpCache(" "));
        Assert.Throws<ArgumentNullException>(() => services.AddRedisHttpCache((ConfigurationOptions)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddRedisHttpCache((Action<RedisHttpCacheOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddRedisHttpCache((IConfigurationSection)null!));
        Assert.Throws<ArgumentException>(() => services.AddKeyedRedisHttpCache("", "127.0.0.1:6379"));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddRedisHttpCache(_ => { }));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The configuration the store's connection connects with: what <see cref="RedisConnectionConfiguration.Create"/>
    /// (the one place that builds it, from the store's options) makes of the options registered under <paramref name="name"/>.
    /// </summary>
    private static ConfigurationOptions ConnectsWith(ServiceProvider provider, string name = "") =>
        RedisConnectionConfiguration.Create(provider.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get(name));

    private static ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(p => "HttpCache:Redis:" + p.Key, p => p.Value))
            .Build()
            .GetSection("HttpCache:Redis");

    private static string? Failure(Action<RedisHttpCacheOptions> configure)
    {
        var options = new RedisHttpCacheOptions();
        configure(options);
        var result = new RedisHttpCacheOptionsCustomValidator().Validate(null, options);
        return result.Failed ? result.FailureMessage : null;
    }

    private string WriteCa()
    {
        var path = Path.Combine(_directory, "ca.pem");
        using var ca = TestCertificates.CreateAuthority("Options test CA");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }
}
