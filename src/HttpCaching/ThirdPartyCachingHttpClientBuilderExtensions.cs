using System.Diagnostics.Metrics;
using HttpCaching;
using HttpCaching.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the HttpCaching handler to named <see cref="HttpClient"/>s built by <c>IHttpClientFactory</c>.
/// </summary>
public static class ThirdPartyCachingHttpClientBuilderExtensions
{
    /// <summary>
    /// Caches the GET responses of this client by HTTP caching rules (RFC 9111, as a shared cache) with a freshness
    /// floor, in the application's <c>IDistributedCache</c> or a bounded in-memory store. Options come from
    /// configuration: <c>HttpCaching:Defaults</c> and <c>HttpCaching:Clients:&lt;name&gt;</c>; the stores' settings
    /// from <c>HttpCaching:Store</c>.
    /// </summary>
    /// <param name="builder">The builder of the named client.</param>
    /// <returns>The value of <paramref name="builder"/>.</returns>
    /// <remarks>
    /// Handlers added before this one run outside the cache; handlers added after it (retries, timeouts) run only when
    /// the cache goes to the origin. Called again for the same client name, it adds only the options of that call: the
    /// handler stays where the first call put it.
    /// </remarks>
    public static IHttpClientBuilder AddThirdPartyCaching(this IHttpClientBuilder builder) =>
        AddThirdPartyCaching(builder, static _ => { });

    /// <summary>
    /// Caches the GET responses of this client, with options set in code; configuration
    /// (<c>HttpCaching:Defaults</c>, <c>HttpCaching:Clients:&lt;name&gt;</c>) overrides them.
    /// </summary>
    /// <param name="builder">The builder of the named client.</param>
    /// <param name="configure">Sets the client's <see cref="ThirdPartyCachingOptions"/>.</param>
    /// <returns>The value of <paramref name="builder"/>.</returns>
    public static IHttpClientBuilder AddThirdPartyCaching(this IHttpClientBuilder builder, Action<ThirdPartyCachingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        return AddThirdPartyCaching(builder, configure, section: null);
    }

    /// <summary>
    /// Caches the GET responses of this client, with options bound from <paramref name="section"/>, for example
    /// <c>builder.Configuration.GetSection("Embedly:Cache")</c>. The section is applied after <c>HttpCaching:Defaults</c>
    /// and <c>HttpCaching:Clients:&lt;name&gt;</c>, so it wins; it is bound again when its configuration reloads.
    /// </summary>
    /// <param name="builder">The builder of the named client.</param>
    /// <param name="section">The section that holds the client's <see cref="ThirdPartyCachingOptions"/>.</param>
    /// <returns>The value of <paramref name="builder"/>.</returns>
    /// <remarks>
    /// Binding is strict: a key that names no setting, or a value that does not convert, fails start-up validation
    /// with a message that names the key, such as <c>Embedly:Cache:MinimumFreshnes</c>.
    /// </remarks>
    public static IHttpClientBuilder AddThirdPartyCaching(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);

        return AddThirdPartyCaching(builder, static _ => { }, section);
    }

    private static IHttpClientBuilder AddThirdPartyCaching(IHttpClientBuilder builder, Action<ThirdPartyCachingOptions> configure, IConfigurationSection? section)
    {
        var services = builder.Services;
        var name = builder.Name ?? throw new InvalidOperationException(
            "AddThirdPartyCaching needs a named client (services.AddHttpClient(\"name\").AddThirdPartyCaching()); it cannot be added "
            + "to every client through ConfigureHttpClientDefaults, since each client has a cache, options and keys of its own.");
        var registry = AddCoreServices(services);
        var first = registry.Add(name, section);

        services.AddOptions<ThirdPartyCachingOptions>(name).Configure(configure).ValidateOnStart();
        if (first)
        {
            services.AddSingleton<IOptionsChangeTokenSource<ThirdPartyCachingOptions>>(
                sp => new ReloadTokenSource<ThirdPartyCachingOptions>(name, sp));
        }

        if (section is not null)
        {
            // The section may come from a configuration other than the application's.
            services.AddSingleton<IOptionsChangeTokenSource<ThirdPartyCachingOptions>>(
                new ConfigurationChangeTokenSource<ThirdPartyCachingOptions>(name, section));
        }

        // Handlers are rebuilt every handler lifetime: each is only a door to the client's cache, a singleton. One per
        // client: a second call (again on this builder, or on another builder of the same name) adds its options only.
        // Two doors to one cache would deadlock a miss: the inner one would join the outer one's origin request.
        if (first)
        {
            builder.AddHttpMessageHandler(sp => new ThirdPartyCachingHandler(sp.GetRequiredService<ClientCaches>().For(name)));
        }

        return builder;
    }

    /// <summary>The application's clock: the registered <see cref="TimeProvider"/>, else the system's.</summary>
    private static TimeProvider TimeOf(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ThirdPartyCachingRegistry AddCoreServices(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ThirdPartyCachingRegistry) && descriptor.ImplementationInstance is ThirdPartyCachingRegistry existing)
            {
                return existing;
            }
        }

        var registry = new ThirdPartyCachingRegistry();
        services.AddSingleton(registry);
        services.AddOptions();
        services.TryAddSingleton(sp => new CacheStoreProvider(sp, TimeOf(sp), sp.GetRequiredService<HttpCachingMetrics>()));
        services.TryAddSingleton(sp => new RequestCoalescer(TimeOf(sp)));
        // The handler's logger category is public (HttpCachingDiagnostics): it is created from the constant, so moving or
        // renaming a type never changes it.
        services.TryAddSingleton(sp => new ClientCaches(
            sp.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>(),
            sp.GetRequiredService<CacheStoreProvider>(),
            sp.GetRequiredService<RequestCoalescer>(),
            TimeOf(sp),
            sp.GetRequiredService<HttpCachingMetrics>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger(HttpCachingDiagnostics.HandlerLoggerCategory) ?? NullLogger.Instance));
        services.TryAddSingleton<IThirdPartyCacheInvalidator, ThirdPartyCacheInvalidator>();
        services.TryAddSingleton<DefaultMemoryStore>();
        services.TryAddSingleton(sp => new HttpCachingMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ThirdPartyCachingOptions>, ThirdPartyCachingConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ThirdPartyCachingOptions>, ThirdPartyCachingOptionsCustomValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpCachingStoreOptions>, HttpCachingStoreConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpCachingStoreOptions>, HttpCachingStoreOptionsCustomValidator>());
        services.AddOptions<HttpCachingStoreOptions>().ValidateOnStart();
        services.AddSingleton<IOptionsChangeTokenSource<HttpCachingStoreOptions>>(
            sp => new ReloadTokenSource<HttpCachingStoreOptions>(Options.Options.DefaultName, sp));
        return registry;
    }
}
