using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>One <see cref="ClientCacheState"/> per client, kept for the life of the service provider.</summary>
internal sealed class ClientCacheStates(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ClientCacheState> _states = new(StringComparer.Ordinal);

    public ClientCacheState For(string clientName) => _states.GetOrAdd(clientName, static (name, time) => new ClientCacheState(name, time), time);
}
