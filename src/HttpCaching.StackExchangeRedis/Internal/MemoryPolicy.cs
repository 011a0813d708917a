using System.Globalization;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>What one check of the servers' memory policy found.</summary>
internal enum MemoryPolicyKind
{
    /// <summary>Every server read has a memory limit and a policy that evicts.</summary>
    Evicts,

    /// <summary>A server has <c>maxmemory-policy noeviction</c> or <c>maxmemory 0</c>.</summary>
    CannotEvict,

    /// <summary>The user may not read the policy (or the commands are renamed); the store writes without knowing it.</summary>
    Unreadable,

    /// <summary>A server could not be asked (no connection, no answer in time); the check is repeated by the next write.</summary>
    Unknown,
}

/// <summary>The memory policy of a server, or what kept the store from reading it.</summary>
internal sealed record MemoryPolicy(MemoryPolicyKind Kind, string Endpoint, long MaxMemory = 0, string Policy = "", string Reason = "")
{
    /// <summary>The setting that keeps the server from evicting, as an operator would write it.</summary>
    public string Setting => (MaxMemory, IsNoEviction(Policy)) switch
    {
        (0, true) => "maxmemory 0 and maxmemory-policy noeviction",
        (0, false) => "maxmemory 0, no memory limit",
        _ => "maxmemory-policy noeviction",
    };

    private static bool IsNoEviction(string policy) => string.Equals(policy, "noeviction", StringComparison.OrdinalIgnoreCase);

    /// <summary>Judges what <c>CONFIG GET maxmemory*</c> or <c>INFO memory</c> said.</summary>
    public static MemoryPolicy From(string endpoint, string? maxMemory, string? policy)
    {
        if (maxMemory is null || policy is null || !long.TryParse(maxMemory, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes))
        {
            return new MemoryPolicy(MemoryPolicyKind.Unreadable, endpoint, Reason: "the server's answer has no maxmemory or maxmemory-policy");
        }

        var trimmed = policy.Trim();
        var evicts = bytes > 0 && !IsNoEviction(trimmed);
        return new MemoryPolicy(evicts ? MemoryPolicyKind.Evicts : MemoryPolicyKind.CannotEvict, endpoint, bytes, trimmed);
    }

    /// <summary>
    /// The verdict of several servers: one that cannot evict decides, then one not asked yet, then one unreadable.
    /// </summary>
    public static MemoryPolicy Combine(IReadOnlyList<MemoryPolicy> servers, string fallbackEndpoint)
    {
        foreach (var kind in (ReadOnlySpan<MemoryPolicyKind>)[MemoryPolicyKind.CannotEvict, MemoryPolicyKind.Unknown, MemoryPolicyKind.Unreadable])
        {
            foreach (var server in servers)
            {
                if (server.Kind == kind)
                {
                    return server;
                }
            }
        }

        return servers.Count > 0 ? servers[0] : new MemoryPolicy(MemoryPolicyKind.Unknown, fallbackEndpoint, Reason: "no server is configured");
    }
}
