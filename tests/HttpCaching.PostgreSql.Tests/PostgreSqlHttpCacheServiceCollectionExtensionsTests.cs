using HttpCaching.PostgreSql.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>Registration and start-up validation; none of these open a connection.</summary>
public sealed class PostgreSqlHttpCacheServiceCollectionExtensionsTests
{
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Database=app;Username=app;Password=not-used";

    [Fact]
    public void AddPostgreSqlHttpCache_RegistersTheApplicationsBufferCache()
    {
        var services = new ServiceCollection();

        var returned = services.AddPostgreSqlHttpCache(ConnectionString);

        Assert.Same(services, returned);
        using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<IDistributedCache>();
        Assert.IsAssignableFrom<IBufferDistributedCache>(cache);
        Assert.Same(cache, provider.GetRequiredService<IDistributedCache>());
        Assert.IsType<PostgreSqlCacheStore>(cache);
        Assert.Equal("httpcaching", TableOf(provider).SchemaName);
        Assert.Equal("cache_entries", TableOf(provider).TableName);
    }

    [Fact]
    public void AddPostgreSqlHttpCache_WithOptions_UsesThem()
    {
        using var provider = new ServiceCollection()
            .AddPostgreSqlHttpCache(o => (o.ConnectionString, o.SchemaName, o.TableName) = (ConnectionString, "cache", "responses"))
            .BuildServiceProvider();

        Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredService<IDistributedCache>());

        Assert.Equal("\"cache\".\"responses\"", TableOf(provider).QualifiedTable);
    }

    [Fact]
    public void AddKeyedPostgreSqlHttpCache_RegistersOnlyTheKeyedStore_WithOptionsNamedByTheKey()
    {
        var services = new ServiceCollection()
            .AddKeyedPostgreSqlHttpCache("feeds", ConnectionString)
            .AddKeyedPostgreSqlHttpCache("search", o => (o.ConnectionString, o.TableName) = (ConnectionString, "search_entries"));

        using var provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<IDistributedCache>());
        Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("feeds"));
        Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("search"));
        Assert.Equal("cache_entries", TableOf(provider, "feeds").TableName);
        Assert.Equal("search_entries", TableOf(provider, "search").TableName);
        Assert.True(provider.GetRequiredService<IServiceProviderIsKeyedService>().IsKeyedService(typeof(IDistributedCache), "feeds"));
    }

    [Fact]
    public void AddPostgreSqlHttpCache_Section_BindsEveryOption()
    {
        var section = Section("Cache:Store", new()
        {
            ["Cache:Store:ConnectionString"] = ConnectionString,
            ["Cache:Store:SchemaName"] = "cache",
            ["Cache:Store:TableName"] = "responses",
            ["Cache:Store:ExpiredItemsDeletionInterval"] = "00:01:00",
            ["Cache:Store:DeleteBatchSize"] = "50",
            ["Cache:Store:MaxSize"] = null,
            ["Cache:Store:MaxRows"] = "5000",
            ["Cache:Store:DefaultSlidingExpiration"] = "00:10:00",
            ["Cache:Store:CommandTimeout"] = "00:00:02",
        });
        using var provider = new ServiceCollection().AddPostgreSqlHttpCache(section).BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptionsMonitor<PostgreSqlHttpCacheOptions>>().Get(Options.DefaultName);
        Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredService<IDistributedCache>());

        Assert.Equal("\"cache\".\"responses\"", TableOf(provider).QualifiedTable);
        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.Equal(TimeSpan.FromMinutes(1), options.ExpiredItemsDeletionInterval);
        Assert.Equal(50, options.DeleteBatchSize);
        Assert.Null(options.MaxSize);
        Assert.Equal(5000, options.MaxRows);
        Assert.Equal(TimeSpan.FromMinutes(10), options.DefaultSlidingExpiration);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CommandTimeout);
    }

    [Fact]
    public void AddKeyedPostgreSqlHttpCache_Section_BindsTheKeyedStoresOptions()
    {
        var section = Section("Feeds", new() { ["Feeds:ConnectionString"] = ConnectionString, ["Feeds:TableName"] = "feed_entries" });
        using var provider = new ServiceCollection().AddKeyedPostgreSqlHttpCache("feeds", section).BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("feeds"));

        Assert.Equal("feed_entries", TableOf(provider, "feeds").TableName);
        Assert.Null(provider.GetService<IDistributedCache>());
    }

    [Theory]
    [InlineData("TabelName", "x", "The PostgreSQL HTTP cache 'feeds': Feeds:TabelName is not a known option. Known options: ConnectionString, SchemaName, TableName,")]
    [InlineData("ConfigureDataSource", "x", "Feeds:ConfigureDataSource is not a known option.")]
    [InlineData("DeleteBatchSize", "many", "Feeds:DeleteBatchSize")]
    [InlineData("CommandTimeout", "soon", "Feeds:CommandTimeout")]
    [InlineData("CommandTimeout", "", "Feeds:CommandTimeout needs a value.")]
    [InlineData("MaxSize", "", "Feeds:MaxSize needs a value, or null for no bound.")]
    [InlineData("CommandTimeout", "00:00:00", "The PostgreSQL HTTP cache 'feeds': The field PostgreSqlHttpCacheOptions.CommandTimeout must be between 00:00:01 and 01:00:00.")]
    public void StartupValidation_InvalidSection_NamesTheStoreAndTheKey(string key, string value, string expected)
    {
        var section = Section("Feeds", new() { ["Feeds:ConnectionString"] = ConnectionString, [$"Feeds:{key}"] = value });
        using var provider = new ServiceCollection().AddKeyedPostgreSqlHttpCache("feeds", section).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-used", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupValidation_SectionWithAValueAsASection_NamesTheKey()
    {
        var section = Section("Cache", new() { ["Cache:ConnectionString"] = ConnectionString, ["Cache:TableName:Name"] = "x" });
        using var provider = new ServiceCollection().AddPostgreSqlHttpCache(section).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The PostgreSQL HTTP cache: Cache:TableName must be a value, not a section.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationSettings_AreEveryOptionButTheCallback()
    {
        var expected = typeof(PostgreSqlHttpCacheOptions).GetProperties()
            .Where(p => p.CanWrite && !typeof(Delegate).IsAssignableFrom(p.PropertyType))
            .Select(p => p.Name);

        Assert.Equal(expected, PostgreSqlHttpCacheConfiguration.Names);
    }

    [Fact]
    public void Extensions_InvalidArguments_Throw()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddPostgreSqlHttpCache(ConnectionString));
        Assert.Throws<ArgumentException>(() => services.AddPostgreSqlHttpCache(" "));
        Assert.Throws<ArgumentNullException>(() => services.AddPostgreSqlHttpCache((Action<PostgreSqlHttpCacheOptions>)null!));
        Assert.Throws<ArgumentException>(() => services.AddKeyedPostgreSqlHttpCache("", ConnectionString));
        Assert.Throws<ArgumentNullException>(() => services.AddKeyedPostgreSqlHttpCache(null!, ConnectionString));
        Assert.Throws<ArgumentException>(() => services.AddKeyedPostgreSqlHttpCache("feeds", ""));
        Assert.Throws<ArgumentNullException>(() => services.AddPostgreSqlHttpCache((IConfigurationSection)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddKeyedPostgreSqlHttpCache("feeds", (IConfigurationSection)null!));
        Assert.Throws<ArgumentException>(() => services.AddKeyedPostgreSqlHttpCache("", Section("S", new() { ["S:ConnectionString"] = ConnectionString })));
    }

    [Fact]
    public void StartupValidation_InvalidKeyedOptions_NamesTheStoreAndTheOption()
    {
        using var provider = new ServiceCollection()
            .AddKeyedPostgreSqlHttpCache("feeds", o => (o.ConnectionString, o.TableName, o.DeleteBatchSize) = (ConnectionString, "cache-entries", 0))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The PostgreSQL HTTP cache 'feeds': PostgreSqlHttpCacheOptions.TableName is 'cache-entries'", error.Message, StringComparison.Ordinal);
        Assert.Contains("The PostgreSQL HTTP cache 'feeds': The field PostgreSqlHttpCacheOptions.DeleteBatchSize must be between 1 and 100000.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupValidation_ZeroMaxSize_NamesTheOptionAndSaysNullIsUnbounded()
    {
        using var provider = new ServiceCollection()
            .AddKeyedPostgreSqlHttpCache("feeds", o => (o.ConnectionString, o.MaxSize) = (ConnectionString, 0))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The PostgreSQL HTTP cache 'feeds': PostgreSqlHttpCacheOptions.MaxSize must be between", error.Message, StringComparison.Ordinal);
        Assert.Contains("or null for no bound (it is 0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupValidation_MissingConnectionString_SaysSo()
    {
        using var provider = new ServiceCollection().AddPostgreSqlHttpCache(_ => { }).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The PostgreSQL HTTP cache: The PostgreSqlHttpCacheOptions.ConnectionString field is required.", error.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IDistributedCache>());
    }

    [Fact]
    public void StartupValidation_MalformedConnectionString_DoesNotRepeatIt()
    {
        const string Secret = "s3cret-password";
        using var provider = new ServiceCollection()
            .AddPostgreSqlHttpCache($"Host=db;Password={Secret};Colour=blue")
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("ConnectionString is not a valid Npgsql connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupValidation_PasswordWithASemicolonUnquoted_RepeatsNoPartOfIt()
    {
        // The tail after the ';' reads as a keyword Npgsql does not know; Npgsql's own message names it.
        using var provider = new ServiceCollection()
            .AddPostgreSqlHttpCache("Host=db;Username=cache;Password=Zx81;Sup3rS3cretTail=Q9")
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("ConnectionString is not a valid Npgsql connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rS3cretTail", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Zx81", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The table the store named <paramref name="name"/> works in, as it makes it from its options.</summary>
    private static CacheTable TableOf(ServiceProvider provider, string name = "")
    {
        var options = provider.GetRequiredService<IOptionsMonitor<PostgreSqlHttpCacheOptions>>().Get(name);
        return new CacheTable(options.SchemaName, options.TableName);
    }

    private static IConfigurationSection Section(string path, Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(path);
}
