using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>Removes the per-URL entry record of a client's URI from that client's store and near cache.</summary>
internal sealed class ThirdPartyCacheInvalidator(
    IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
    CacheStoreProvider stores,
    NearCaches nearCaches,
    ThirdPartyCachingRegistry registry) : IThirdPartyCacheInvalidator
{
    public ValueTask<bool> InvalidateAsync(string clientName, Uri requestUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!registry.Contains(clientName))
        {
            throw new ArgumentException($"The HttpClient '{clientName}' has no caching handler: call AddThirdPartyCaching() on it.", nameof(clientName));
        }

        if (!requestUri.IsAbsoluteUri)
        {
            throw new ArgumentException("The URI must be absolute.", nameof(requestUri));
        }

        var options = optionsMonitor.Get(clientName);
        var key = CacheKeyBuilder.EntryKey(options.KeyPrefix, clientName, CacheKeyBuilder.HashRequest("GET", requestUri));
        nearCaches.For(clientName, options)?.Remove(key);
        return stores.Get(options.StoreServiceKey).RemoveAsync(key, clientName, options.StoreTimeout, cancellationToken);
    }
}
