using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>One <see cref="RequestKeyCache"/> per client, kept for the life of the service provider.</summary>
internal sealed class RequestKeyCaches
{
    private readonly ConcurrentDictionary<string, RequestKeyCache> _caches = new(StringComparer.Ordinal);

    public RequestKeyCache For(string clientName) => _caches.GetOrAdd(clientName, static name => new RequestKeyCache(name));
}
