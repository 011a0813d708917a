using HttpCaching.Memcached.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>Makes stores as the DI registration does (options validated first) and disposes them with the test.</summary>
internal sealed class MemcachedStores : IAsyncDisposable
{
    private readonly List<MemcachedCacheStore> _stores = [];

    public FakeLogCollector Logs { get; } = new();

    public MemcachedCacheStore Create(Action<MemcachedHttpCacheOptions> configure, TimeProvider? time = null, bool readItemSizeLimit = true, string name = "")
    {
        var options = new MemcachedHttpCacheOptions();
        configure(options);
        var result = new MemcachedHttpCacheOptionsCustomValidator().Validate(name, options);
        Assert.True(result.Succeeded, result.FailureMessage);
        var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Trace));
        var store = new MemcachedCacheStore(name, options, time ?? TimeProvider.System, factory, readItemSizeLimit);
        _stores.Add(store);
        return store;
    }

    public MemcachedCacheStore CreateUnlogged(Action<MemcachedHttpCacheOptions> configure, TimeProvider? time = null)
    {
        var options = new MemcachedHttpCacheOptions();
        configure(options);
        var store = new MemcachedCacheStore(string.Empty, options, time ?? TimeProvider.System, NullLoggerFactory.Instance);
        _stores.Add(store);
        return store;
    }

    /// <summary>The store's own log entries with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<FakeLogRecord> StoreLogs(int eventId) =>
        [.. Logs.GetSnapshot().Where(e => e.Category == MemcachedHttpCacheDiagnostics.LoggerCategory && e.Id.Id == eventId)];

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
