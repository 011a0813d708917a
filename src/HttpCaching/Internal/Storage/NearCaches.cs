using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>One <see cref="NearCache"/> per client, created on first use with the size limit in force then.</summary>
internal sealed class NearCaches(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NearCache?>> _caches = new(StringComparer.Ordinal);

    public NearCache? For(string clientName, ThirdPartyCachingOptions options) =>
        _caches.GetOrAdd(
            clientName,
            static (_, state) => new Lazy<NearCache?>(() => state.options.NearCacheSizeLimit > 0 ? new NearCache(state.options.NearCacheSizeLimit, state.time) : null),
            (options, time)).Value;

    public void Dispose()
    {
        foreach (var cache in _caches.Values)
        {
            if (cache.IsValueCreated)
            {
                cache.Value?.Dispose();
            }
        }
    }
}
