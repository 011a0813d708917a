using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Internal;

/// <summary>
/// Resolves the store of a client from the root service provider: the keyed <see cref="IDistributedCache"/> named by
/// <see cref="ThirdPartyCachingOptions.StoreServiceKey"/>, else the application's <see cref="IDistributedCache"/>, else
/// the library's own bounded in-memory store, which is never registered as the application's cache.
/// </summary>
internal sealed class CacheStoreProvider(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, IDistributedCache> _keyed = new(StringComparer.Ordinal);
    private IDistributedCache? _default;

    public IDistributedCache Get(string? serviceKey)
    {
        if (serviceKey is null)
        {
            return _default ??= services.GetService<IDistributedCache>() ?? services.GetRequiredService<DefaultMemoryStore>();
        }

        return _keyed.GetOrAdd(serviceKey, static (key, sp) => sp.GetRequiredKeyedService<IDistributedCache>(key), services);
    }
}
