using System.Diagnostics.Metrics;
using HttpCaching;
using HttpCaching.PostgreSql;
using HttpCaching.PostgreSql.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

using Registration = HttpCaching.Internal.StoreRegistration<HttpCaching.PostgreSql.PostgreSqlHttpCacheOptions, HttpCaching.PostgreSql.Internal.PostgreSqlHttpCacheOptionsCustomValidator>;

/// <summary>
/// Registers a PostgreSQL table as an <see cref="IDistributedCache"/> (also an <see cref="IBufferDistributedCache"/>),
/// either as the application's cache or as a keyed store for the clients whose <c>StoreServiceKey</c> names it.
/// </summary>
/// <remarks>
/// The store is a singleton with its own Npgsql connection pool. It creates (and later migrates) its schema and table
/// on first use, deletes expired rows and evicts the least recently used ones over its size bound in the background,
/// reports the sweep and the table's size on the <c>HttpCaching</c> meter, and is disposed with the service provider.
/// </remarks>
public static class PostgreSqlHttpCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> as a table in PostgreSQL, with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">
    /// The Npgsql connection string, for example
    /// <c>Host=db.internal;Database=app;Username=app;Password=…;SSL Mode=VerifyFull;Root Certificate=/etc/ssl/db-ca.pem</c>.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddPostgreSqlHttpCache(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return AddPostgreSqlHttpCache(services, options => options.ConnectionString = connectionString);
    }

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> as a table in PostgreSQL.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the store's options; <see cref="PostgreSqlHttpCacheOptions.ConnectionString"/> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddPostgreSqlHttpCache(this IServiceCollection services, Action<PostgreSqlHttpCacheOptions> configure) =>
        Registration.Add(services, configure, Register, CreateStore);

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/> as a table in PostgreSQL, with options bound from
    /// <paramref name="section"/>, for example <c>builder.Configuration.GetSection("HttpCache:PostgreSql")</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">
    /// The section that holds the store's <see cref="PostgreSqlHttpCacheOptions"/>; <c>ConnectionString</c> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the key, such as <c>HttpCache:PostgreSql:TabelName</c>.
    /// </remarks>
    public static IServiceCollection AddPostgreSqlHttpCache(this IServiceCollection services, IConfigurationSection section) =>
        Registration.Add(services, section, PostgreSqlHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in PostgreSQL for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyedPostgreSqlHttpCache(this IServiceCollection services, string serviceKey, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return AddKeyedPostgreSqlHttpCache(services, serviceKey, options => options.ConnectionString = connectionString);
    }

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in PostgreSQL for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="configure">Sets the store's options; <see cref="PostgreSqlHttpCacheOptions.ConnectionString"/> is required.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Stores that share a database should use different <see cref="PostgreSqlHttpCacheOptions.TableName"/>s when their
    /// entries must be kept apart; the keys written by HttpCaching already start with the client name.
    /// </remarks>
    public static IServiceCollection AddKeyedPostgreSqlHttpCache(this IServiceCollection services, string serviceKey, Action<PostgreSqlHttpCacheOptions> configure) =>
        Registration.AddKeyed(services, serviceKey, configure, Register, CreateStore);

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/> in PostgreSQL for the clients that name
    /// <paramref name="serviceKey"/> in their <c>ThirdPartyCachingOptions.StoreServiceKey</c>, with options bound from
    /// <paramref name="section"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key; also the name of the store's options.</param>
    /// <param name="section">
    /// The section that holds the store's <see cref="PostgreSqlHttpCacheOptions"/>; <c>ConnectionString</c> is required.
    /// </param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no option, or a value that does not convert, fails start-up validation with
    /// a message that names the store and the key.
    /// </remarks>
    public static IServiceCollection AddKeyedPostgreSqlHttpCache(this IServiceCollection services, string serviceKey, IConfigurationSection section) =>
        Registration.AddKeyed(services, serviceKey, section, PostgreSqlHttpCacheConfiguration.Bind, Register, CreateStore);

    /// <summary>What the store needs beside its options: the metrics, shared by every PostgreSQL store.</summary>
    private static void Register(IServiceCollection services, string name)
    {
        services.TryAddSingleton(sp => new PostgreSqlCacheMetrics(sp.GetService<IMeterFactory>()));

        // The coordinator goes where the caching handler looks for it: next to the store, under the same key (none for
        // the application's store).
        if (name == Options.Options.DefaultName)
        {
            services.AddSingleton<IHttpCacheCoordinator>(sp => CreateCoordinator(sp.GetRequiredService<IDistributedCache>(), sp, Options.Options.DefaultName));
        }
        else
        {
            services.AddKeyedSingleton<IHttpCacheCoordinator>(name, (sp, _) => CreateCoordinator(sp.GetRequiredKeyedService<IDistributedCache>(name), sp, name));
        }
    }

    /// <summary>
    /// The store's backplane and leases, registered under the store's key so that the caching handler finds them next
    /// to the store. When the cache registered there is not this package's (the application replaced it), both are off.
    /// </summary>
    private static PostgreSqlCoordinator CreateCoordinator(IDistributedCache store, IServiceProvider services, string name) =>
        new(store as PostgreSqlCacheStore, services.GetRequiredService<IOptionsMonitor<PostgreSqlHttpCacheOptions>>().Get(name));

    private static PostgreSqlCacheStore CreateStore(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptionsMonitor<PostgreSqlHttpCacheOptions>>().Get(name),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        services.GetRequiredService<PostgreSqlCacheMetrics>());
}
