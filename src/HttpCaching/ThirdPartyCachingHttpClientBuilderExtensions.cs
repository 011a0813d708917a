using HttpCaching;
using HttpCaching.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Diagnostics.Metrics;
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
    /// configuration: <c>HttpCaching:Defaults</c> and <c>HttpCaching:Clients:&lt;name&gt;</c>.
    /// </summary>
    /// <param name="builder">The builder of the named client.</param>
    /// <returns>The value of <paramref name="builder"/>.</returns>
    /// <remarks>
    /// Handlers added before this one run outside the cache; handlers added after it (retries, timeouts) run only when
    /// the cache goes to the origin.
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

        var services = builder.Services;
        var registry = AddCoreServices(services);
        registry.Add(builder.Name);

        services.AddOptions<ThirdPartyCachingOptions>(builder.Name).Configure(configure).ValidateOnStart();
        services.AddSingleton<IOptionsChangeTokenSource<ThirdPartyCachingOptions>>(
            sp => new ReloadTokenSource<ThirdPartyCachingOptions>(builder.Name, sp));

        var name = builder.Name;
        builder.AddHttpMessageHandler(sp => new ThirdPartyCachingHandler(
            sp.GetRequiredService<ClientCacheStates>().For(name),
            sp.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>(),
            sp.GetRequiredService<CacheStoreProvider>(),
            sp.GetRequiredService<RequestCoalescer>(),
            sp.GetRequiredService<NearCaches>(),
            TimeOf(sp),
            sp.GetRequiredService<HttpCachingMetrics>(),
            sp.GetService<ILogger<ThirdPartyCachingHandler>>() ?? NullLogger<ThirdPartyCachingHandler>.Instance));
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
        services.TryAddSingleton(sp => new ClientCacheStates(TimeOf(sp)));
        services.TryAddSingleton(sp => new NearCaches(TimeOf(sp)));
        services.TryAddSingleton<IThirdPartyCacheInvalidator, ThirdPartyCacheInvalidator>();
        services.TryAddSingleton<DefaultMemoryStore>();
        services.TryAddSingleton(sp => new HttpCachingMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ThirdPartyCachingOptions>, ThirdPartyCachingConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ThirdPartyCachingOptions>, ThirdPartyCachingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpCachingOptions>, HttpCachingConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpCachingOptions>, HttpCachingOptionsValidator>());
        services.AddOptions<HttpCachingOptions>().ValidateOnStart();
        services.AddSingleton<IOptionsChangeTokenSource<HttpCachingOptions>>(
            sp => new ReloadTokenSource<HttpCachingOptions>(Options.Options.DefaultName, sp));
        return registry;
    }
}
