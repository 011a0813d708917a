using HttpCaching.Proxy.Internal;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Tests.Internal;

/// <summary>
/// What the route adds below the cache (its headers, query parameters and the proxy's Surrogate-Capability) reaches the
/// origin, and the request the cache holds is put back as it was, whatever the send did.
/// </summary>
public sealed class RouteRequestHandlerTests
{
    private const string Capability = "httpcaching=\"Surrogate/1.0\"";

    [Fact]
    public async Task Send_SurrogateControlObeyed_CapabilityAppendedForTheOrigin_CallersValuePutBack()
    {
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(Handler(Route(), inner, "Surrogate-Control"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://origin.test/a");
        request.Headers.TryAddWithoutValidation("Surrogate-Capability", "down=\"Surrogate/1.0\"");

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        Assert.Equal(["down=\"Surrogate/1.0\"", Capability], inner.Capability!);
        Assert.Equal(["down=\"Surrogate/1.0\""], request.Headers.NonValidated["Surrogate-Capability"]);
    }

    [Fact]
    public async Task Send_Throws_RouteHeadersAndCapabilityRemovedAll_TheSame()
    {
        var inner = new RecordingHandler { Failure = new HttpRequestException("origin down") };
        using var invoker = new HttpMessageInvoker(Handler(Route(("X-Api-Key", "secret")), inner, "Surrogate-Control"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://origin.test/a");

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.Equal([Capability], inner.Capability!);
        Assert.False(request.Headers.NonValidated.Contains("Surrogate-Capability"));
        Assert.False(request.Headers.NonValidated.Contains("X-Api-Key"));
    }

    [Fact]
    public async Task Send_RouteSetsSurrogateCapabilityItself_NothingOfItLeftForTheCache()
    {
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(Handler(Route(("Surrogate-Capability", "edge=\"Surrogate/1.0\"")), inner, "Surrogate-Control"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://origin.test/a");

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        Assert.Equal(["edge=\"Surrogate/1.0\"", Capability], inner.Capability!);
        Assert.False(request.Headers.NonValidated.Contains("Surrogate-Capability"));
    }

    [Fact]
    public async Task Send_SurrogateControlNotObeyed_NoCapability()
    {
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(Handler(Route(), inner, "CDN-Cache-Control"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://origin.test/a");

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        Assert.Null(inner.Capability);
    }

    private static ProxyRoute Route(params (string Name, string Value)[] headers) =>
        new("api", "/api", new Uri("https://origin.test/"), TimeSpan.FromSeconds(30), headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), []);

    private static RouteRequestHandler Handler(ProxyRoute route, HttpMessageHandler inner, params string[] targets)
    {
        var options = new ThirdPartyCachingOptions();
        foreach (var target in targets)
        {
            options.TargetedCacheControlFields.Add(target);
        }

        return new RouteRequestHandler(route, new StaticOptionsMonitor(options)) { InnerHandler = inner };
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public Exception? Failure { get; init; }

        public string[]? Capability { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Capability = request.Headers.NonValidated.TryGetValues("Surrogate-Capability", out var values) ? [.. values] : null;
            return Failure is null ? Task.FromResult(new HttpResponseMessage()) : Task.FromException<HttpResponseMessage>(Failure);
        }
    }

    private sealed class StaticOptionsMonitor(ThirdPartyCachingOptions options) : IOptionsMonitor<ThirdPartyCachingOptions>
    {
        public ThirdPartyCachingOptions CurrentValue => options;

        public ThirdPartyCachingOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<ThirdPartyCachingOptions, string?> listener) => null;
    }
}
