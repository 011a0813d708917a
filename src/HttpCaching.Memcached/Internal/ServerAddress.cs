using System.Globalization;

namespace HttpCaching.Memcached.Internal;

/// <summary>One memcached server: a host (name or address) and a port, written <c>host:port</c>.</summary>
internal sealed record ServerAddress(string Host, int Port)
{
    public const int DefaultPort = 11211;

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}") : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>Parses a comma-separated list; the error names the entry that is wrong, never more.</summary>
    public static IReadOnlyList<ServerAddress> ParseList(string? servers, out string? error)
    {
        var parsed = new List<ServerAddress>();
        error = null;
        if (string.IsNullOrWhiteSpace(servers))
        {
            error = "names no server (host:port).";
            return parsed;
        }

        foreach (var part in servers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParse(part, out var address))
            {
                error = $"has '{part}', which is not host:port (a port from 1 to 65535; IPv6 addresses in brackets).";
                return [];
            }

            if (parsed.Contains(address))
            {
                error = $"names {address} twice.";
                return [];
            }

            parsed.Add(address);
        }

        if (parsed.Count == 0)
        {
            error = "names no server (host:port).";
        }

        return parsed;
    }

    public static bool TryParse(string text, out ServerAddress address)
    {
        address = null!;
        string host;
        var port = DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 2)
            {
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port)))
            {
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false;
            }

            host = colon < 0 ? text : text[..colon];
            if (colon >= 0 && !TryPort(text[(colon + 1)..], out port))
            {
                return false;
            }
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@' or ','))
        {
            return false;
        }

        address = new ServerAddress(host, port);
        return true;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
