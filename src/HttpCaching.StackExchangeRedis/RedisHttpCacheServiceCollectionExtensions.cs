using HttpCaching;
using HttpCaching.StackExchangeRedis;
using HttpCaching.StackExchangeRedis.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

using Registration = HttpCaching.Internal.StoreRegistration<HttpCaching.StackExchangeRedis.RedisHttpCacheOptions, HttpCaching.StackExchangeRedis.Internal.RedisHttpCacheOptionsCustomValidator>;

/// <summary>
/// Registers Redis as an <see cref="IDistributedCache"/> (also an <see cref="IBufferDistributedCache"/>), either as the
/// application's cache or as a keyed store for the clients whose <c>StoreServiceKey</c> names it.
/// </summary>
/// <remarks>
/// The store is a singleton: Microsoft's <c>RedisCache</c> on one StackExchange.Redis connection of its own, opened on
/// first use and disposed with the service provider. It checks the server's memory policy at start and after each
/// reconnection and does not write to a Redis that cannot evict (<see cref="RedisHttpCacheOptions.AllowNoEviction"/>),
/// and its exceptions never carry a key (<see cref="RedisStoreException"/>).
/// </remarks>
public static class RedisHttpCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> in Redis, with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The StackExchange.Redis configuration string, for example
    /// <c>redis.internal:6380,ssl=true,user=httpcache,password=…</c>.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddRedisHttpCache(this IServiceCollection services, string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return AddRedisHttpCache(services, options => options.Configuration = configuration);
    }

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> in Redis, connecting with a copy of
    /// <paramref name="configuration"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The StackExchange.Redis configuration; the store connects with a copy of it.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddRedisHttpCache(this IServiceCollection services, ConfigurationOptions configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddRedisHttpCache(services, options => options.ConfigurationOptions = configuration);
    }

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> in Redis.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">
    /// Sets the store's options; <see cref="RedisHttpCacheOptions.Configuration"/> or
    /// <see cref="RedisHttpCacheOptions.ConfigurationOptions"/> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddRedisHttpCache(this IServiceCollection services, Action<RedisHttpCacheOptions> configure) =>
        Registration.Add(services, configure, Register, CreateStore);

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> in Redis, with options bound from
    /// <paramref name="section"/>, for example <c>builder.Configuration.GetSection("HttpCache:Redis")</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">
    /// The section that holds the store's <see cref="RedisHttpCacheOptions"/>; <c>Configuration</c> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the key, such as <c>HttpCache:Redis:KeyPrefx</c>.
    /// </remarks>
    public static IServiceCollection AddRedisHttpCache(this IServiceCollection services, IConfigurationSection section) =>
        Registration.Add(services, section, RedisHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in Redis for the clients that name <paramref name="serviceKey"/>
    /// in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyedRedisHttpCache(this IServiceCollection services, string serviceKey, string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return AddKeyedRedisHttpCache(services, serviceKey, options => options.Configuration = configuration);
    }

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in Redis for the clients that name <paramref name="serviceKey"/>
    /// in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, connecting with a copy of <paramref name="configuration"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="configuration">The StackExchange.Redis configuration; the store connects with a copy of it.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyedRedisHttpCache(this IServiceCollection services, string serviceKey, ConfigurationOptions configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddKeyedRedisHttpCache(services, serviceKey, options => options.ConfigurationOptions = configuration);
    }

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in Redis for the clients that name <paramref name="serviceKey"/>
    /// in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="configure">
    /// Sets the store's options; <see cref="RedisHttpCacheOptions.Configuration"/> or
    /// <see cref="RedisHttpCacheOptions.ConfigurationOptions"/> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Each keyed store has its own connection. Stores that share a Redis should use different
    /// <see cref="RedisHttpCacheOptions.KeyPrefix"/>es when their entries must be kept apart; the keys written by
    /// HttpCaching already start with the client name.
    /// </remarks>
    public static IServiceCollection AddKeyedRedisHttpCache(this IServiceCollection services, string serviceKey, Action<RedisHttpCacheOptions> configure) =>
        Registration.AddKeyed(services, serviceKey, configure, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in Redis for the clients that name <paramref name="serviceKey"/>
    /// in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with options bound from <paramref name="section"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="section">
    /// The section that holds the store's <see cref="RedisHttpCacheOptions"/>; <c>Configuration</c> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the store and the key.
    /// </remarks>
    public static IServiceCollection AddKeyedRedisHttpCache(this IServiceCollection services, string serviceKey, IConfigurationSection section) =>
        Registration.AddKeyed(services, serviceKey, section, RedisHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>
    /// What the store needs beside its options: its one connection, a singleton of its own keyed by the store's name, so
    /// that whatever else coordinates through the same Redis can share it; registering the store again replaces it with
    /// the store.
    /// </summary>
    private static void Register(IServiceCollection services, string name)
    {
        services.AddKeyedSingleton(name, static (sp, key) => new RedisStoreConnection(
            (string)key!,
            sp.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get((string)key!),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));

        // The coordinator goes where the caching handler looks for it: next to the store, under the same key (none for
        // the application's store).
        if (name == Options.Options.DefaultName)
        {
            services.AddSingleton<IHttpCacheCoordinator>(sp => CreateCoordinator(sp, Options.Options.DefaultName));
        }
        else
        {
            services.AddKeyedSingleton<IHttpCacheCoordinator>(name, (sp, _) => CreateCoordinator(sp, name));
        }
    }

    /// <summary>
    /// The store's backplane and leases, registered under the store's key so that the caching handler finds them next
    /// to the store; on the store's own connection.
    /// </summary>
    private static RedisCoordinator CreateCoordinator(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get(name),
        services.GetRequiredKeyedService<RedisStoreConnection>(name),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);

    private static RedisCacheStore CreateStore(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get(name),
        services.GetRequiredKeyedService<RedisStoreConnection>(name),
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        services.GetService<TimeProvider>());
}
