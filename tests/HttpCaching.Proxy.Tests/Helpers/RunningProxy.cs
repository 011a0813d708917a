using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using HttpCaching.Proxy.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>
/// The proxy itself, built by <see cref="ProxyApp.Build"/> from command-line arguments as <c>dotnet run</c> would pass
/// them, on 127.0.0.1 and a port the OS picks; with a plain client that follows no redirects and decodes nothing.
/// </summary>
public sealed class RunningProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningProxy(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
        };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static Task<RunningProxy> StartAsync(KestrelOrigin origin, params string[] extraArgs) =>
        StartAsync(origin.BaseAddress.GetLeftPart(UriPartial.Authority), extraArgs);

    public static Task<RunningProxy> StartAsync(string origin, params string[] extraArgs) =>
        StartWithArgsAsync(["--origin", origin, .. extraArgs]);

    /// <summary>
    /// The proxy with exactly these settings (plus the address and log level), and <paramref name="configure"/> run
    /// before the proxy reads its settings (more configuration, a store of the test's, fake logging).
    /// </summary>
    public static async Task<RunningProxy> StartWithArgsAsync(string[] settings, Action<WebApplicationBuilder>? configure = null)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning", .. settings];
        var app = ProxyApp.Build(args, configure);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new RunningProxy(app, new Uri(address));
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Stops the server once the requests in flight have finished, what runs after a response was sent included (its
    /// access log record), so that a test reads everything they logged.
    /// </summary>
    public Task StopAsync() => _app.StopAsync(TestContext.Current.CancellationToken);

    /// <summary>The admin server's address, when <c>Proxy:AdminUrls</c> is set.</summary>
    public Uri AdminAddress => new(Services.GetRequiredService<AdminServer>().Addresses.Single());

    /// <summary>A URI on the proxy whose path and query go on the wire exactly as written.</summary>
    public Uri RawUrl(string pathAndQuery) =>
        new(BaseAddress.GetLeftPart(UriPartial.Authority) + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
