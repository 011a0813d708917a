using System.Diagnostics;
using System.Net;
using System.Text;
using HttpCaching.Proxy.Internal;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HttpCaching.Proxy;

/// <summary>
/// Builds and runs the proxy: a Kestrel server that forwards each request to the origin of the route its path matches
/// (and answers <c>404</c> itself when none does), and serves the admin endpoints, here or on <c>Proxy:AdminUrls</c>.
/// </summary>
internal static class ProxyApp
{
    /// <summary>
    /// The name of the one route (and caching client) of the <c>--origin</c> form, so its settings can also be given
    /// under <c>HttpCaching:Clients:origin</c>.
    /// </summary>
    public const string ClientName = "origin";

    /// <summary>Exit code for a configuration error.</summary>
    public const int ConfigurationErrorExitCode = 2;

    /// <summary>Exit code when the server cannot start, for example because the address is in use.</summary>
    public const int StartFailedExitCode = 1;

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--origin"] = $"{ProxyOptions.SectionName}:{nameof(ProxyOptions.Origin)}",
    };

    /// <summary>
    /// Builds the proxy from command-line arguments, on top of <c>appsettings.json</c> and environment variables.
    /// <paramref name="configure"/> (tests) runs first, so it can add configuration sources and services of its own.
    /// </summary>
    /// <exception cref="OptionsValidationException">The proxy settings are missing or invalid.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        configure?.Invoke(builder);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The origin's Server and Date fields are passed back; Kestrel adds Date only when the origin sent none.
            kestrel.AddServerHeader = false;

            // Header values pass through byte for byte, whatever their encoding.
            kestrel.RequestHeaderEncodingSelector = static _ => Encoding.Latin1;
            kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.Latin1;
        });

        // ASP.NET Core logs each request with its query string at Information; query strings often carry API keys.
        // The proxy's own access log (HttpCaching.Proxy.AccessLog) leaves them out.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        // The routes name the caching clients, so they are read (and checked) now, before the services are built.
        var options = ReadOptions(builder.Configuration);
        var routes = RouteTable.From(options);

        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(routes);
        services.AddSingleton<ProxyForwarder>();
        services.AddSingleton<AdminEndpoints>();
        services.AddHealthChecks().AddHttpCaching();
        AddStore(services, options.Store);
        AddMetrics(services, options.Otlp, builder.Configuration);

        foreach (var route in routes.Routes)
        {
            AddRouteClient(services, route);
        }

        var separateAdmin = options.AdminUrls is not null;
        if (separateAdmin)
        {
            services.AddSingleton<AdminServer>();
            services.AddHostedService(static sp => sp.GetRequiredService<AdminServer>());
        }

        var app = builder.Build();

        var admin = app.Services.GetRequiredService<AdminEndpoints>();
        app.UseMiddleware<AccessLog>();
        app.Use(next => context => !AdminEndpoints.IsAdminRequest(context)
            ? next(context)
            : separateAdmin ? AdminEndpoints.NotServedHereAsync(context) : admin.HandleAsync(context));
        app.Run(app.Services.GetRequiredService<ProxyForwarder>().ForwardAsync);
        return app;
    }

    private static ProxyOptions ReadOptions(IConfiguration configuration)
    {
        var options = new ProxyOptions();
        new ProxyOptionsSetup(configuration).Configure(options);
        var result = new ProxyOptionsValidator(configuration).Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ProxyOptions), result.Failures);
        }

        return options;
    }

    /// <summary>
    /// The targeted cache-control fields the proxy obeys unless configuration names its own, in order of precedence:
    /// RFC 9213's <c>CDN-Cache-Control</c>, then the Edge Architecture's <c>Surrogate-Control</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultTargetedFields = ["CDN-Cache-Control", "Surrogate-Control"];

    private static void AddRouteClient(IServiceCollection services, ProxyRoute route)
    {
        // A proxy in front of third parties is the CDN (the surrogate) they address: CDN-Cache-Control, else
        // Surrogate-Control, rules its caching, unless HttpCaching:Defaults or the route's own client section lists
        // targeted fields of its own (which replace them), or none.
        services.AddOptions<ThirdPartyCachingOptions>(route.Name).PostConfigure<IConfiguration>((options, configuration) =>
        {
            // Listed: an array, or an empty value (`TargetedCacheControlFields=`), which turns targeted fields off.
            var listed = configuration.GetSection("HttpCaching:Defaults:TargetedCacheControlFields").Exists()
                || configuration.GetSection("HttpCaching:Clients").GetChildren()
                    .Any(client => string.Equals(client.Key, route.Name, StringComparison.Ordinal) && client.GetSection("TargetedCacheControlFields").Exists());
            if (!listed && options.TargetedCacheControlFields.Count == 0)
            {
                foreach (var field in DefaultTargetedFields)
                {
                    options.TargetedCacheControlFields.Add(field);
                }
            }
        });

        AddCachingClient(services, route);
    }

    private static void AddCachingClient(IServiceCollection services, ProxyRoute route) =>
        services.AddHttpClient(route.Name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                UseProxy = false,
                // Forward the client's trace headers as they are, and add none of our own.
                ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
                RequestHeaderEncodingSelector = static (_, _) => Encoding.Latin1,
                ResponseHeaderEncodingSelector = static (_, _) => Encoding.Latin1,
            })
            .AddThirdPartyCaching()
            // Below the cache: the forwarded unkeyed headers join the Vary of every response before it is stored.
            .AddHttpMessageHandler(static services =>
                new ForwardedHeadersVaryHandler(services.GetRequiredService<IOptions<ProxyOptions>>()))
            // Lowest: the route's API key headers and query parameters, and the proxy's Surrogate-Capability, which the
            // cache never sees.
            .AddHttpMessageHandler(services =>
                new RouteRequestHandler(route, services.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>()))
            .RemoveAllLoggers();

    /// <summary>
    /// The shared store, through the store packages' own registrations: the application's <c>IDistributedCache</c>,
    /// which every route's cache then uses. Memory registers nothing, so the library uses its bounded in-process store.
    /// </summary>
    private static void AddStore(IServiceCollection services, ProxyStoreOptions store)
    {
        switch (store.Provider)
        {
            case ProxyStoreProvider.PostgreSql:
                services.AddPostgreSqlHttpCache(store.ConnectionString!);
                break;
            case ProxyStoreProvider.Redis:
                services.AddRedisHttpCache(store.ConnectionString!);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The library's meter, exported over OTLP when an endpoint is configured (<c>Proxy:Otlp:Endpoint</c>, else the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); otherwise no OpenTelemetry pipeline is built at all.
    /// </summary>
    private static void AddMetrics(IServiceCollection services, ProxyOtlpOptions otlp, ConfigurationManager configuration)
    {
        var endpoint = otlp.Endpoint is { Length: > 0 } configured ? configured : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("HttpCaching.Proxy"))
            .WithMetrics(metrics => metrics
                .AddMeter(HttpCachingDiagnostics.MeterName)
                .AddOtlpExporter(exporter =>
                {
                    exporter.Endpoint = new Uri(endpoint, UriKind.Absolute);
                    exporter.Protocol = otlp.Protocol;
                }));
    }

    /// <summary>
    /// Runs the proxy until it is shut down. Configuration errors are written to <paramref name="error"/> and give
    /// <see cref="ConfigurationErrorExitCode"/>; a server that cannot start gives <see cref="StartFailedExitCode"/>.
    /// </summary>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (OptionsValidationException ex)
        {
            await WriteConfigurationErrorAsync(error, ex.Failures).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                // Starting validates the caching options (HttpCaching:…) too.
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await WriteConfigurationErrorAsync(error, ex.Failures).ConfigureAwait(false);
                return ConfigurationErrorExitCode;
            }
            catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
            {
                await WriteConfigurationErrorAsync(error, ex.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)).ConfigureAwait(false);
                return ConfigurationErrorExitCode;
            }
            catch (IOException ex)
            {
                await error.WriteLineAsync($"HttpCaching.Proxy could not start: {ex.Message}").ConfigureAwait(false);
                return StartFailedExitCode;
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
    }

    private static async Task WriteConfigurationErrorAsync(TextWriter error, IEnumerable<string> failures)
    {
        await error.WriteLineAsync("HttpCaching.Proxy: invalid configuration.").ConfigureAwait(false);
        foreach (var failure in failures)
        {
            await error.WriteLineAsync($"  {failure}").ConfigureAwait(false);
        }
    }
}
