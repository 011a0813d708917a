using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Resolves the store of a client from the root service provider: the keyed <see cref="IDistributedCache"/> named by
/// <see cref="ThirdPartyCachingOptions.StoreServiceKey"/>, else the application's <see cref="IDistributedCache"/>, else
/// the library's own bounded in-memory store, which is never registered as the application's cache. Each store is
/// wrapped once in a <see cref="GuardedStore"/>, shared by every client that uses it. When integrity keys are
/// configured, a <see cref="ProtectedDistributedCache"/> sits between the guard and the store.
/// </summary>
internal sealed class CacheStoreProvider(IServiceProvider services, TimeProvider time, HttpCachingMetrics metrics)
{
    private readonly ConcurrentDictionary<string, Lazy<GuardedStore>> _keyed = new(StringComparer.Ordinal);
    private readonly ILogger _logger = services.GetService<ILoggerFactory>()?.CreateLogger(HttpCachingDiagnostics.StoreLoggerCategory) ?? NullLogger.Instance;
    private readonly Lazy<RecordProtector?> _protector = new(() => RecordProtector.Create(services.GetRequiredService<IOptions<HttpCachingStoreOptions>>().Value.Integrity));
    private readonly Lock _gate = new();
    private GuardedStore? _default;

    public GuardedStore Get(string? serviceKey)
    {
        if (serviceKey is null)
        {
            return Volatile.Read(ref _default) ?? Default();
        }

        // GetOrAdd may run its factory twice in a race; the Lazy it keeps builds the guard once.
        return _keyed.GetOrAdd(serviceKey, static (key, self) => new Lazy<GuardedStore>(() => self.Guard(self.Resolve(key), key)), this).Value;
    }

    /// <summary>
    /// The application's store, guarded once: two guards would be two breakers and two subscriptions to its backplane,
    /// so the first requests of several clients at once must not each build one.
    /// </summary>
    private GuardedStore Default()
    {
        lock (_gate)
        {
            if (_default is null)
            {
                Volatile.Write(ref _default, Guard(services.GetService<IDistributedCache>() ?? services.GetRequiredService<DefaultMemoryStore>(), null));
            }

            return _default;
        }
    }

    private IDistributedCache Resolve(string key) => services.GetRequiredKeyedService<IDistributedCache>(key);

    private GuardedStore Guard(IDistributedCache store, string? serviceKey) =>
        new(Protect(store, serviceKey), time, metrics, _logger) { Coordination = Coordinate(store, serviceKey) };

    /// <summary>
    /// The store's <see cref="IHttpCacheCoordinator"/>, registered under the same service key as the store (unkeyed for
    /// the application's cache); none for the library's own in-memory store, which no other instance shares.
    /// </summary>
    private StoreCoordination? Coordinate(IDistributedCache store, string? serviceKey)
    {
        if (store is DefaultMemoryStore)
        {
            return null;
        }

        var coordinator = serviceKey is null
            ? services.GetService<IHttpCacheCoordinator>()
            : services.GetKeyedService<IHttpCacheCoordinator>(serviceKey);
        return coordinator is null ? null : new StoreCoordination(coordinator, time, _logger);
    }

    /// <summary>
    /// The integrity layer goes below the guard, so a refused record is just a miss to the handler, and every call
    /// is still bounded by the store timeout. Keys are read once, here.
    /// </summary>
    private IDistributedCache Protect(IDistributedCache store, string? serviceKey) =>
        _protector.Value is { } protector
            ? new ProtectedDistributedCache(store, protector, metrics, _logger, storeKey => ClientOf(serviceKey, storeKey), time)
            : store;

    /// <summary>
    /// The client whose records live under <paramref name="storeKey"/> in the store named by
    /// <paramref name="serviceKey"/>: the one with the longest <c>{KeyPrefix}{client}:</c> that starts the key, or
    /// <see langword="null"/>. Used only for the telemetry of a refused record.
    /// </summary>
    private string? ClientOf(string? serviceKey, string storeKey)
    {
        if (services.GetService<ThirdPartyCachingRegistry>() is not { } registry)
        {
            return null;
        }

        var monitor = services.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>();
        string? match = null;
        var matchLength = 0;
        foreach (var name in registry.Names())
        {
            ThirdPartyCachingOptions options;
            try
            {
                options = monitor.Get(name);
            }
            catch (OptionsValidationException)
            {
                continue;
            }

            var prefix = options.KeyPrefix;
            var length = prefix.Length + name.Length + 1;
            if (length > matchLength
                && storeKey.Length > length
                && string.Equals(options.StoreServiceKey, serviceKey, StringComparison.Ordinal)
                && storeKey.StartsWith(prefix, StringComparison.Ordinal)
                && string.CompareOrdinal(storeKey, prefix.Length, name, 0, name.Length) == 0
                && storeKey[length - 1] == ':')
            {
                match = name;
                matchLength = length;
            }
        }

        return match;
    }
}
