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
internal sealed class AdminServer(IOptions<ProxyOptions> options, AdminEndpoints endpoints, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses the admin server listens on, once started.</summary>
    public IReadOnlyCollection<string> Addresses =>
        _app?.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.WebHost.UseUrls(options.Value.AdminUrls!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var app = builder.Build();
        app.UseMiddleware<AccessLog>();
        app.Run(endpoints.HandleAsync);
        _app = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
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
