using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// A service provider with one or more cached named clients whose origin is a <see cref="MockHttpMessageHandler"/>,
/// a fake clock and a recording store. Its meters come from its own <see cref="IMeterFactory"/>, so
/// <see cref="Metric"/> sees this harness's measurements only; a test that wants the logs adds
/// <c>AddFakeLogging()</c> through <c>services</c> and reads <see cref="Logs"/>.
/// </summary>
public sealed class CachingHarness : IDisposable
{
    public const string ClientName = "test";

    /// <summary>Whether <paramref name="key"/> is an entry's (or a Vary record's) key: <c>…:e:{hash}…</c>.</summary>
    public static bool IsEntryKey(string key) => key.Contains(":e:", StringComparison.Ordinal);

    public CachingHarness(
        Action<ThirdPartyCachingOptions>? configure = null,
        IDictionary<string, string?>? configuration = null,
        bool registerStore = true,
        Action<IServiceCollection>? services = null,
        HttpMessageHandler? origin = null,
        bool nearCache = false,
        DateTimeOffset? clockStart = null,
        params string[] clientNames)
    {
        Time = new FakeTimeProvider(clockStart ?? TestClock.Start);
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build();
        Store = new RecordingDistributedCache(Time);

        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(Configuration);
        collection.AddSingleton<TimeProvider>(Time);
        collection.AddMetrics();
        if (registerStore)
        {
            collection.AddSingleton<IDistributedCache>(Store);
        }

        foreach (var name in clientNames.Length == 0 ? [ClientName] : clientNames)
        {
            collection.AddHttpClient(name)
                .AddThirdPartyCaching(o =>
                {
                    // Most tests look at the shared store itself; the near cache's own tests turn it on.
                    o.NearCacheSizeLimit = nearCache ? o.NearCacheSizeLimit : 0;
                    configure?.Invoke(o);
                })
                .ConfigurePrimaryHttpMessageHandler(() => new NonDisposingHandler(origin ?? Origin));
        }

        services?.Invoke(collection);
        Services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>The clock: 2026-01-05 09:00 UTC unless the constructor's <c>clockStart</c> says otherwise.</summary>
    public FakeTimeProvider Time { get; }

    public MockHttpMessageHandler Origin { get; } = new();

    public RecordingDistributedCache Store { get; }

    public IConfigurationRoot Configuration { get; }

    public ServiceProvider Services { get; }

    /// <summary>The records of the fake logger, when the test registered it with <c>AddFakeLogging()</c>.</summary>
    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Collects one instrument of the HttpCaching meter of this harness; dispose it at the end of the test.</summary>
    public MetricCollector<long> Metric(string instrument) =>
        new(Services.GetRequiredService<IMeterFactory>(), HttpCachingDiagnostics.MeterName, instrument);

    public HttpClient Client(string name = ClientName) => Services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>
    /// A new handler chain for the client, built as <c>IHttpClientFactory</c> builds one when a handler lifetime ends,
    /// so tests can see what survives handler rotation.
    /// </summary>
    public HttpMessageHandler NewHandlerChain(string name = ClientName)
    {
        var builder = Services.GetRequiredService<Microsoft.Extensions.Http.HttpMessageHandlerBuilder>();
        builder.Name = name;
        foreach (var action in Services.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Http.HttpClientFactoryOptions>>().Get(name).HttpMessageHandlerBuilderActions)
        {
            action(builder);
        }

        return builder.Build();
    }

    public void ValidateOnStart() => Services.GetRequiredService<IStartupValidator>().Validate();

    public async Task<HttpResponseMessage> GetAsync(string url, string name = ClientName, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        configure?.Invoke(request);
        var response = await Client(name).SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    public async Task<string> GetStringAsync(string url, string name = ClientName)
    {
        using var response = await GetAsync(url, name);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A response stamped with the fake clock's <c>Date</c>.</summary>
    public HttpResponseMessage Response(string body, string? cacheControl = null, string? etag = null, HttpStatusCode status = HttpStatusCode.OK, string mediaType = "application/json")
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        response.Headers.Date = Time.GetUtcNow();
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        if (etag is not null)
        {
            response.Headers.TryAddWithoutValidation("ETag", etag);
        }

        return response;
    }

    /// <summary>A 304 as origins send it: no content headers, the clock's <c>Date</c>.</summary>
    public HttpResponseMessage NotModified(string? cacheControl = null, string? etag = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.NotModified);
        response.Headers.Date = Time.GetUtcNow();
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        if (etag is not null)
        {
            response.Headers.TryAddWithoutValidation("ETag", etag);
        }

        return response;
    }

    public ThirdPartyCachingOptions Options(string name = ClientName) =>
        Services.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>().Get(name);

    public void Dispose()
    {
        Services.Dispose();
        Origin.Dispose();
    }

    /// <summary>Keeps the factory from disposing the shared mock when a handler lifetime ends.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);
    }
}
