using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpCaching.Internal;

/// <summary>
/// Resolves the store of a client from the root service provider: the keyed <see cref="IDistributedCache"/> named by
/// <see cref="ThirdPartyCachingOptions.StoreServiceKey"/>, else the application's <see cref="IDistributedCache"/>, else
/// the library's own bounded in-memory store, which is never registered as the application's cache. Each store is
/// wrapped once in a <see cref="GuardedStore"/>, shared by every client that uses it.
/// </summary>
internal sealed class CacheStoreProvider(IServiceProvider services, TimeProvider time, HttpCachingMetrics metrics)
{
    private readonly ConcurrentDictionary<string, GuardedStore> _keyed = new(StringComparer.Ordinal);
    private readonly ILogger _logger = services.GetService<ILoggerFactory>()?.CreateLogger("HttpCaching.Store") ?? NullLogger.Instance;
    private GuardedStore? _default;

    public GuardedStore Get(string? serviceKey)
    {
        if (serviceKey is null)
        {
            return _default ??= Guard(services.GetService<IDistributedCache>() ?? services.GetRequiredService<DefaultMemoryStore>());
        }

        return _keyed.GetOrAdd(serviceKey, static (key, self) => self.Guard(self.Resolve(key)), this);
    }

    private IDistributedCache Resolve(string key) => services.GetRequiredKeyedService<IDistributedCache>(key);

    private GuardedStore Guard(IDistributedCache store) => new(store, time, metrics, _logger);
}
