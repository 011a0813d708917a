using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HttpCaching.StackExchangeRedis.Tests.Helpers;

/// <summary>
/// Builds Redis stores the way applications do (a service provider with <c>AddRedisHttpCache</c>, validated at start),
/// with every log entry collected; disposes the providers at the end of the test.
/// </summary>
public sealed class RedisStores : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public FakeLogCollector Logs { get; } = new();

    public ServiceProvider CreateProvider(Action<RedisHttpCacheOptions> configure, TimeProvider? time = null)
    {
        var services = new ServiceCollection()
            .AddSingleton(time ?? TimeProvider.System)
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Trace))
            .AddRedisHttpCache(configure);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _providers.Add(provider);
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider;
    }

    public IDistributedCache Create(Action<RedisHttpCacheOptions> configure, TimeProvider? time = null) =>
        CreateProvider(configure, time).GetRequiredService<IDistributedCache>();

    /// <summary>The log entries of the store's own category.</summary>
    public IReadOnlyList<FakeLogRecord> StoreLogs =>
        [.. Logs.GetSnapshot().Where(e => e.Category == RedisHttpCacheDiagnostics.LoggerCategory)];

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
