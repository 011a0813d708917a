using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// One application instance, set up as the README says: its own service provider with a PostgreSQL store
/// (<c>AddPostgreSqlHttpCache</c>) and a named client with <c>AddThirdPartyCaching</c>, whose origin is a stub. Several
/// instances share a table and a clock, as processes behind a load balancer share a database and (roughly) the time.
/// </summary>
public sealed class AppInstance : IAsyncDisposable
{
    public const string ClientName = "feeds";

    /// <summary>The key of the counting store that wraps the PostgreSQL one, when calls are counted.</summary>
    public const string CountedStoreKey = "counted";

    public static readonly Uri BaseAddress = new("https://feeds.example/");

    private const string PostgreSqlStoreKey = "postgresql";

    private readonly ServiceProvider _provider;

    private AppInstance(ServiceProvider provider, OriginStub origin, FakeLogCollector logs, RecordingDistributedCache? storeCalls)
    {
        _provider = provider;
        Origin = origin;
        Logs = logs;
        StoreCalls = storeCalls;
        Client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
    }

    public HttpClient Client { get; }

    /// <summary>Gets the requests this instance sent to the origin.</summary>
    public OriginStub Origin { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>Gets every call that reached the PostgreSQL store, when the instance was started with <c>countStoreCalls</c>.</summary>
    public RecordingDistributedCache? StoreCalls { get; }

    public IServiceProvider Services => _provider;

    /// <summary>The handler's side of the store's coordination (what it received), for the application's cache.</summary>
    internal ObservedCoordinator Coordinator => Assert.IsType<ObservedCoordinator>(_provider.GetRequiredService<IHttpCacheCoordinator>());

    /// <summary>
    /// Starts an instance and runs its start-up validation.
    /// </summary>
    /// <param name="time">The clock every instance of the test shares.</param>
    /// <param name="origin">The instance's way to the origin.</param>
    /// <param name="store">Sets the PostgreSQL store's options (connection string, schema, table).</param>
    /// <param name="caching">Sets the client's caching options in code.</param>
    /// <param name="configuration">The application's configuration, such as <c>HttpCaching:Store:Integrity:Keys:0</c>.</param>
    /// <param name="countStoreCalls">
    /// Registers the PostgreSQL store under a key and the client's store as a <see cref="RecordingDistributedCache"/>
    /// around it (<c>StoreServiceKey</c>), instead of the application's <c>IDistributedCache</c>.
    /// </param>
    /// <param name="network">Sends origin requests over the network (to a Kestrel origin) instead of to the stub.</param>
    public static AppInstance Start(
        TimeProvider time,
        OriginStub origin,
        Action<PostgreSqlHttpCacheOptions> store,
        Action<ThirdPartyCachingOptions>? caching = null,
        IReadOnlyDictionary<string, string?>? configuration = null,
        bool countStoreCalls = false,
        bool network = false)
    {
        var logs = new FakeLogCollector();
        var services = new ServiceCollection()
            .AddSingleton(time)
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));
        if (configuration is not null)
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        }

        if (countStoreCalls)
        {
            services.AddKeyedPostgreSqlHttpCache(PostgreSqlStoreKey, store);
            services.AddKeyedSingleton<IDistributedCache>(
                CountedStoreKey,
                (sp, _) => new RecordingDistributedCache(sp.GetRequiredKeyedService<IDistributedCache>(PostgreSqlStoreKey)));
        }
        else
        {
            services.AddPostgreSqlHttpCache(store);
            ObservedCoordinator.ObserveCoordinator(services, serviceKey: null);
        }

        services.AddHttpClient(ClientName)
            .AddThirdPartyCaching(o =>
            {
                if (countStoreCalls)
                {
                    o.StoreServiceKey = CountedStoreKey;
                }

                caching?.Invoke(o);
            })
            .ConfigurePrimaryHttpMessageHandler(() => network ? new SocketsHttpHandler() : origin);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            var counter = countStoreCalls
                ? Assert.IsType<RecordingDistributedCache>(provider.GetRequiredKeyedService<IDistributedCache>(CountedStoreKey))
                : null;
            return new AppInstance(provider, origin, logs, counter);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>The integrity configuration: <c>HttpCaching:Store:Integrity:Keys:{i}</c> and <c>HttpCaching:Store:Integrity:Encrypt</c>.</summary>
    public static Dictionary<string, string?> IntegrityConfiguration(bool encrypt, params string[] keys)
    {
        var configuration = new Dictionary<string, string?> { ["HttpCaching:Store:Integrity:Encrypt"] = encrypt ? "true" : "false" };
        for (var i = 0; i < keys.Length; i++)
        {
            configuration[$"HttpCaching:Store:Integrity:Keys:{i}"] = keys[i];
        }

        return configuration;
    }

    /// <summary>Sends a GET for <paramref name="path"/> through the caching handler and reads the whole response.</summary>
    public async Task<Reply> GetAsync(string path, bool noCache = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, path));
        if (noCache)
        {
            request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        }

        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var cacheStatus = response.Headers.TryGetValues(HttpCachingDiagnostics.CacheStatusHeader, out var values) ? string.Join(", ", values) : string.Empty;
        return new Reply(response.StatusCode, body, cacheStatus, response.Headers.Age);
    }

    /// <summary>The log entries with event id <paramref name="eventId"/>.</summary>
    public IReadOnlyList<FakeLogRecord> LogsWithId(int eventId) => Logs.WithId(eventId);

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
    }

    /// <summary>What the caller got: status, body, the <c>Cache-Status</c> field and <c>Age</c>.</summary>
    public sealed record Reply(HttpStatusCode Status, string Body, string CacheStatus, TimeSpan? Age)
    {
        /// <summary>Gets a value indicating whether the response was served from the cache without the origin.</summary>
        public bool IsHit => CacheStatus.StartsWith(HttpCachingDiagnostics.CacheName + "; hit", StringComparison.Ordinal);

        /// <summary>Gets a value indicating whether the response came from the origin and was stored.</summary>
        public bool IsStored => CacheStatus.Contains("; stored", StringComparison.Ordinal);
    }
}
