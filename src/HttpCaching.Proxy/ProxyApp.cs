using System.Diagnostics;
using System.Net;
using System.Text;
using HttpCaching.Proxy.Internal;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy;

/// <summary>Builds and runs the proxy: a Kestrel server whose one endpoint forwards everything to the origin.</summary>
internal static class ProxyApp
{
    /// <summary>
    /// The name of the caching client, so its settings can also be given under <c>HttpCaching:Clients:origin</c>.
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
    /// </summary>
    /// <exception cref="OptionsValidationException">The proxy settings are missing or invalid.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The origin's Server and Date fields are passed back; Kestrel adds Date only when the origin sent none.
            kestrel.AddServerHeader = false;

            // Header values pass through byte for byte, whatever their encoding.
            kestrel.RequestHeaderEncodingSelector = static _ => Encoding.Latin1;
            kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.Latin1;
        });

        // ASP.NET Core logs each request with its query string at Information; query strings often carry API keys.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton<IConfigureOptions<ProxyOptions>, ProxyOptionsSetup>();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ProxyOptions>().ValidateOnStart();
        services.AddSingleton<ProxyForwarder>();

        services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
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
            .RemoveAllLoggers();

        var app = builder.Build();

        // Fail here, before the server starts, when the origin is missing or invalid.
        _ = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;

        app.Run(app.Services.GetRequiredService<ProxyForwarder>().ForwardAsync);
        return app;
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
