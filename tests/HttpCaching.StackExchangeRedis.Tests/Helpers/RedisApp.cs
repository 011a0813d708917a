using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.PostgreSql.Tests.Helpers;
using HttpCaching.StackExchangeRedis.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HttpCaching.StackExchangeRedis.Tests.Helpers;

/// <summary>
/// One application instance, set up as the README says: its own service provider with a keyed Redis store
/// (<c>AddKeyedRedisHttpCache</c>) and a named client with <c>AddThirdPartyCaching</c> whose <c>StoreServiceKey</c>
/// names it, in front of a stub origin. Several instances with the same store options share a cache, as processes
/// behind a load balancer share a Redis.
/// </summary>
public sealed class RedisApp : IAsyncDisposable
{
    public const string ClientName = "feeds";

    public const string StoreKey = "redis";

    public static readonly Uri BaseAddress = new("https://feeds.example/");

    private readonly ServiceProvider _provider;

    private RedisApp(ServiceProvider provider, OriginStub origin, FakeLogCollector logs)
    {
        _provider = provider;
        Origin = origin;
        Logs = logs;
        Client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
    }

    public HttpClient Client { get; }

    public OriginStub Origin { get; }

    public FakeLogCollector Logs { get; }

    internal IServiceProvider Services => _provider;

    /// <summary>The store's coordinator (backplane and leases), observed: what its backplane delivers to the handler.</summary>
    internal ObservedCoordinator Coordinator => Assert.IsType<ObservedCoordinator>(_provider.GetRequiredKeyedService<IHttpCacheCoordinator>(StoreKey));

    internal RedisCacheStore Store => Assert.IsType<RedisCacheStore>(_provider.GetRequiredKeyedService<IDistributedCache>(StoreKey));

    /// <summary>
    /// Starts an instance and runs its start-up validation.
    /// </summary>
    /// <param name="store">Sets the Redis store's options.</param>
    /// <param name="origin">The way to the origin; by default a new <see cref="NewOrigin(TimeProvider)"/>.</param>
    /// <param name="time">The clock; by default the system's, which the handler's store timeout and breaker run on.</param>
    /// <param name="caching">Sets the client's caching options beyond the store key.</param>
    /// <param name="network">Sends origin requests over the network (to a Kestrel origin) instead of to the stub.</param>
    public static RedisApp Start(Action<RedisHttpCacheOptions> store, OriginStub? origin = null, TimeProvider? time = null, Action<ThirdPartyCachingOptions>? caching = null, bool network = false)
    {
        time ??= TimeProvider.System;
        origin ??= NewOrigin(time);
        var logs = new FakeLogCollector();
        var services = new ServiceCollection()
            .AddSingleton(time)
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace))
            .AddKeyedRedisHttpCache(StoreKey, store);
        ObservedCoordinator.ObserveCoordinator(services, StoreKey);
        services.AddHttpClient(ClientName)
            .AddThirdPartyCaching(o =>
            {
                o.StoreServiceKey = StoreKey;
                o.MinimumFreshness = TimeSpan.Zero;

                // Every read goes to Redis: what the tests look at is the store, not the in-process tier in front of it.
                // (An instance still serves what it fetched but could not store, from memory: that is the handler's.)
                o.NearCacheEntryDuration = TimeSpan.Zero;

                // Room for the first connection (TLS, the ACL handshake) on a busy test machine; the outage tests set less.
                o.StoreTimeout = TimeSpan.FromSeconds(5);
                caching?.Invoke(o);
            })
            .ConfigurePrimaryHttpMessageHandler(() => network ? new SocketsHttpHandler() : origin);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return new RedisApp(provider, origin, logs);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>An origin that answers each GET with a JSON body naming the path, fresh for a minute, with an ETag.</summary>
    public static OriginStub NewOrigin(TimeProvider time) => new(request =>
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent($"{{\"path\":\"{request.RequestUri!.AbsolutePath}\"}}", Encoding.UTF8, "application/json"),
        };
        response.Headers.Date = time.GetUtcNow();
        response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
        response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromSeconds(60) };
        return response;
    });

    /// <summary>Sends a GET for <paramref name="path"/> through the caching handler and reads the whole response.</summary>
    public async Task<Reply> GetAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(BaseAddress, path), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var cacheStatus = response.Headers.TryGetValues(HttpCachingDiagnostics.CacheStatusHeader, out var values) ? string.Join(", ", values) : string.Empty;
        return new Reply(response.StatusCode, body, cacheStatus);
    }

    /// <summary>The log entries with event id <paramref name="eventId"/> in <paramref name="category"/>.</summary>
    public IReadOnlyList<FakeLogRecord> LogsWith(string category, int eventId) =>
        [.. Logs.WithId(eventId).Where(e => e.Category == category)];

    /// <summary>The store's own log entries with event id <paramref name="eventId"/>.</summary>
    public IReadOnlyList<FakeLogRecord> StoreLogs(int eventId) => LogsWith(RedisHttpCacheDiagnostics.LoggerCategory, eventId);

    /// <summary>
    /// Fails when any log record holds one of <paramref name="secrets"/>: in its message, its structured state, its
    /// scopes or its exception.
    /// </summary>
    public void AssertLogsHoldNone(params string[] secrets) => Logs.GetSnapshot().AssertNoneContains(StringComparison.Ordinal, secrets);

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
    }

    /// <summary>What the caller got: status, body and the <c>Cache-Status</c> field.</summary>
    public sealed record Reply(HttpStatusCode Status, string Body, string CacheStatus)
    {
        /// <summary>Gets a value indicating whether the response was served from the cache without the origin.</summary>
        public bool IsHit => CacheStatus.StartsWith(HttpCachingDiagnostics.CacheName + "; hit", StringComparison.Ordinal);

        /// <summary>Gets a value indicating whether the response came from the origin and was stored.</summary>
        public bool IsStored => CacheStatus.Contains("; stored", StringComparison.Ordinal);

        /// <summary>Gets a value indicating whether the response came from the origin and the store did not take it.</summary>
        public bool StoreFailed => CacheStatus.Contains("detail=" + HttpCachingDiagnostics.DetailStoreFailed, StringComparison.Ordinal);
    }
}
