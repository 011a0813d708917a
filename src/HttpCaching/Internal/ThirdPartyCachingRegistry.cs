namespace HttpCaching.Internal;

/// <summary>
/// The names of the clients that have the caching handler, filled in as they are registered. Names are compared
/// ordinally, as <c>IHttpClientFactory</c> compares them: <c>"rss"</c> and <c>"RSS"</c> are two clients.
/// </summary>
internal sealed class ThirdPartyCachingRegistry
{
    private readonly HashSet<string> _clientNames = new(StringComparer.Ordinal);

    public void Add(string clientName)
    {
        lock (_clientNames)
        {
            _clientNames.Add(clientName);
        }
    }

    /// <summary>A snapshot of the registered names.</summary>
    public string[] Names()
    {
        lock (_clientNames)
        {
            return [.. _clientNames];
        }
    }

    public bool Contains(string clientName)
    {
        lock (_clientNames)
        {
            return _clientNames.Contains(clientName);
        }
    }
}
