using Microsoft.Extensions.Configuration;

namespace HttpCaching.Internal;

/// <summary>
/// The names of the clients that have the caching handler, filled in as they are registered, each with the
/// configuration section given to <c>AddThirdPartyCaching(section)</c>, if any. Names are compared ordinally, as
/// <c>IHttpClientFactory</c> compares them: <c>"rss"</c> and <c>"RSS"</c> are two clients.
/// </summary>
internal sealed class ThirdPartyCachingRegistry
{
    private readonly Dictionary<string, IConfigurationSection?> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// Registers the client, or, when it is registered already, replaces its section with <paramref name="section"/> if
    /// one is given; returns whether it is new (its handler is still to be added).
    /// </summary>
    public bool Add(string clientName, IConfigurationSection? section)
    {
        lock (_clients)
        {
            var added = !_clients.ContainsKey(clientName);
            if (section is not null || added)
            {
                _clients[clientName] = section;
            }

            return added;
        }
    }

    /// <summary>A snapshot of the registered names.</summary>
    public string[] Names()
    {
        lock (_clients)
        {
            return [.. _clients.Keys];
        }
    }

    public bool Contains(string clientName)
    {
        lock (_clients)
        {
            return _clients.ContainsKey(clientName);
        }
    }

    /// <summary>The section given to <c>AddThirdPartyCaching(section)</c> for the client, or <see langword="null"/>.</summary>
    public IConfigurationSection? Section(string clientName)
    {
        lock (_clients)
        {
            return _clients.GetValueOrDefault(clientName);
        }
    }

    /// <summary>
    /// Where the client's settings are written, for messages: the section given to <c>AddThirdPartyCaching(section)</c>,
    /// else <c>HttpCaching:Clients:&lt;name&gt;</c>.
    /// </summary>
    public string ConfigurationPath(string clientName) => Section(clientName)?.Path ?? ConfigurationSections.ClientPath(clientName);
}
