using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// The admin endpoints on an address of their own (<c>Proxy:AdminUrls</c>): a second Kestrel server, started and
/// stopped with the proxy, whose requests are served by the proxy's <see cref="AdminEndpoints"/> (so health and purge
/// see the proxy's own caches). Every request there is an admin request: <c>PURGE &lt;path&gt;</c>, the health and
/// purge paths, and <c>404</c> for anything else.
/// </summary>
internal sealed class AdminServer(IOptions<ProxyOptions> options, AdminEndpoints endpoints, ILoggerFactory loggers, IConfiguration configuration, IHostEnvironment environment) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses the admin server listens on, once started.</summary>
    public IReadOnlyCollection<string> Addresses =>
        _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // An empty builder: no configuration of its own, so nothing (Kestrel:Endpoints, ASPNETCORE_URLS) can move the
        // admin endpoints off Proxy:AdminUrls, or onto the public address. Of the proxy's Kestrel section it takes only
        // the certificates, for an https:// admin address; relative certificate paths resolve from the proxy's content root.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = environment.ContentRootPath });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Configure(CertificatesOnly(configuration), reloadOnChange: false);
        });
        builder.WebHost.UseUrls(options.Value.AdminUrls!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var app = builder.Build();
        app.UseMiddleware<AccessLog>();
        app.Run(endpoints.HandleAsync);
        _app = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>Kestrel</c> section of the proxy's configuration with its <c>Certificates</c> only.</summary>
    private static IConfigurationSection CertificatesOnly(IConfiguration configuration)
    {
        var certificates = configuration.GetSection("Kestrel:Certificates").AsEnumerable().Where(pair => pair.Value is not null);
        return new ConfigurationBuilder().AddInMemoryCollection(certificates).Build().GetSection("Kestrel");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}
