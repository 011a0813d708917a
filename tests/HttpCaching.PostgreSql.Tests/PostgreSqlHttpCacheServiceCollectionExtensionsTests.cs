using HttpCaching.PostgreSql.Internal;
using Microsoft.Extensions.Caching.Distributed;
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
        Assert.Equal("httpcaching", Assert.IsType<PostgreSqlCacheStore>(cache).Table.SchemaName);
        Assert.Equal("cache_entries", ((PostgreSqlCacheStore)cache).Table.TableName);
    }

    [Fact]
    public void AddPostgreSqlHttpCache_WithOptions_UsesThem()
    {
        using var provider = new ServiceCollection()
            .AddPostgreSqlHttpCache(o => (o.ConnectionString, o.SchemaName, o.TableName) = (ConnectionString, "cache", "responses"))
            .BuildServiceProvider();

        var store = Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredService<IDistributedCache>());

        Assert.Equal("\"cache\".\"responses\"", store.Table.QualifiedTable);
    }

    [Fact]
    public void AddKeyedPostgreSqlHttpCache_RegistersOnlyTheKeyedStore_WithOptionsNamedByTheKey()
    {
        var services = new ServiceCollection()
            .AddKeyedPostgreSqlHttpCache("feeds", ConnectionString)
            .AddKeyedPostgreSqlHttpCache("search", o => (o.ConnectionString, o.TableName) = (ConnectionString, "search_entries"));

        using var provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<IDistributedCache>());
        var feeds = Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("feeds"));
        var search = Assert.IsType<PostgreSqlCacheStore>(provider.GetRequiredKeyedService<IDistributedCache>("search"));
        Assert.Equal("cache_entries", feeds.Table.TableName);
        Assert.Equal("search_entries", search.Table.TableName);
        Assert.True(provider.GetRequiredService<IServiceProviderIsKeyedService>().IsKeyedService(typeof(IDistributedCache), "feeds"));
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
    }

    [Fact]
    public void StartupValidation_InvalidKeyedOptions_NamesTheStoreAndTheOption()
    {
        using var provider = new ServiceCollection()
            .AddKeyedPostgreSqlHttpCache("feeds", o => (o.ConnectionString, o.TableName, o.DeleteBatchSize) = (ConnectionString, "cache-entries", 0))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The PostgreSQL HTTP cache 'feeds': PostgreSqlHttpCacheOptions.TableName is 'cache-entries'", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSqlHttpCacheOptions.DeleteBatchSize must be between 1 and 100000 (it is 0)", error.Message, StringComparison.Ordinal);
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

        Assert.Contains("The PostgreSQL HTTP cache: PostgreSqlHttpCacheOptions.ConnectionString is required", error.Message, StringComparison.Ordinal);
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
}
