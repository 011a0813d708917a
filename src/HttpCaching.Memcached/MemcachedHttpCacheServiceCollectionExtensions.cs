using HttpCaching.Memcached;
using HttpCaching.Memcached.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

using Registration = HttpCaching.Internal.StoreRegistration<HttpCaching.Memcached.MemcachedHttpCacheOptions, HttpCaching.Memcached.Internal.MemcachedHttpCacheOptionsCustomValidator>;

/// <summary>
/// Registers memcached as an <see cref="IDistributedCache"/> (also an <see cref="IBufferDistributedCache"/>), either as
/// the application's cache or as a keyed store for the clients whose <c>StoreServiceKey</c> names it.
/// </summary>
/// <remarks>
/// The store is a singleton with a small pool of connections per server, opened on first use and closed with the
/// service provider. It takes the <see cref="TimeProvider"/> registered in the services, else the system's. Its
/// exceptions never carry a key (<see cref="MemcachedStoreException"/>).
/// </remarks>
public static class MemcachedHttpCacheServiceCollectionExtensions
{
    /// <summary>Registers the application's <see cref="IDistributedCache"/> in memcached, with default options.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="servers">The servers, <c>host:port</c> separated by commas, for example <c>cache1:11211,cache2:11211</c>.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddMemcachedHttpCache(this IServiceCollection services, string servers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(servers);
        return AddMemcachedHttpCache(services, options => options.Servers = servers);
    }

    /// <summary>Registers the application's <see cref="IDistributedCache"/> in memcached.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the store's options; <see cref="MemcachedHttpCacheOptions.Servers"/> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddMemcachedHttpCache(this IServiceCollection services, Action<MemcachedHttpCacheOptions> configure) =>
        Registration.Add(services, configure, Register, CreateStore);

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> in memcached, with options bound from
    /// <paramref name="section"/>, for example <c>builder.Configuration.GetSection("HttpCache:Memcached")</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The section that holds the store's <see cref="MemcachedHttpCacheOptions"/>; <c>Servers</c> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the key, such as <c>HttpCache:Memcached:Sevrers</c>.
    /// </remarks>
    public static IServiceCollection AddMemcachedHttpCache(this IServiceCollection services, IConfigurationSection section) =>
        Registration.Add(services, section, MemcachedHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in memcached for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="servers">The servers, <c>host:port</c> separated by commas.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyedMemcachedHttpCache(this IServiceCollection services, string serviceKey, string servers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(servers);
        return AddKeyedMemcachedHttpCache(services, serviceKey, options => options.Servers = servers);
    }

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in memcached for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="configure">Sets the store's options; <see cref="MemcachedHttpCacheOptions.Servers"/> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Each keyed store has connections of its own. Stores that share servers should use different
    /// <see cref="MemcachedHttpCacheOptions.KeyPrefix"/>es when their entries must be kept apart; the keys written by
    /// HttpCaching already start with the client name.
    /// </remarks>
    public static IServiceCollection AddKeyedMemcachedHttpCache(this IServiceCollection services, string serviceKey, Action<MemcachedHttpCacheOptions> configure) =>
        Registration.AddKeyed(services, serviceKey, configure, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in memcached for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with options bound from
    /// <paramref name="section"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="section">The section that holds the store's <see cref="MemcachedHttpCacheOptions"/>; <c>Servers</c> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the store and the key.
    /// </remarks>
    public static IServiceCollection AddKeyedMemcachedHttpCache(this IServiceCollection services, string serviceKey, IConfigurationSection section) =>
        Registration.AddKeyed(services, serviceKey, section, MemcachedHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>The store needs nothing beside its options: its connections are its own.</summary>
    private static void Register(IServiceCollection services, string name)
    {
    }

    private static MemcachedCacheStore CreateStore(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptionsMonitor<MemcachedHttpCacheOptions>>().Get(name),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
}
