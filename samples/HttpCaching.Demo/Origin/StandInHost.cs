using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace HttpCaching.Demo;

/// <summary>
/// The server of one third party: Kestrel on 127.0.0.1. It can go down, so that its port refuses connections, and come
/// back on the same port, as a real host does after an outage.
/// </summary>
public sealed class StandInHost : IAsyncDisposable
{
    private readonly Action<WebApplication> _mapEndpoints;
    private WebApplication? _app;

    private StandInHost(Action<WebApplication> mapEndpoints) => _mapEndpoints = mapEndpoints;

    /// <summary>The address Kestrel bound to, such as <c>http://127.0.0.1:41234/</c>; it stays the same across restarts.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<StandInHost> StartAsync(Action<WebApplication> mapEndpoints, CancellationToken cancellationToken = default)
    {
        var host = new StandInHost(mapEndpoints);
        await host.BootAsync(port: 0, cancellationToken);
        return host;
    }

    /// <summary>Stops listening: from now on connections to <see cref="BaseAddress"/> are refused.</summary>
    public async Task GoDownAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again, on the same port.</summary>
    public async Task ComeBackAsync(CancellationToken cancellationToken = default)
    {
        if (_app is null)
        {
            await BootAsync(BaseAddress.Port, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => new(GoDownAsync());

    private async Task BootAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var app = builder.Build();
        _mapEndpoints(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        BaseAddress = new Uri(app.Urls.Single() + "/");
    }
}
