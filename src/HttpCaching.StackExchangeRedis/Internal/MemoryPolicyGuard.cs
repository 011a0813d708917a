using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// Keeps a store from filling a Redis that cannot evict. On the store's first use and whenever the connection is
/// restored, it reads each primary's <c>maxmemory</c> and <c>maxmemory-policy</c> (<c>CONFIG GET</c>, else
/// <c>INFO memory</c>); with <c>noeviction</c> or <c>maxmemory 0</c> it logs an error naming the setting and refuses
/// writes of values (<see cref="EnsureWritableAsync"/> throws), unless <see cref="RedisHttpCacheOptions.AllowNoEviction"/>
/// is set. Reads, refreshes and removals are never held back.
/// </summary>
/// <remarks>
/// Until a check has read the policy (or found that it cannot be read), writes are refused too: a write at start-up
/// must not reach a server before its policy is known. A check that could not reach the server is repeated by the next
/// write. A policy the user may not read (ACL) is logged once as a warning, and writes go ahead.
/// </remarks>
internal sealed class MemoryPolicyGuard
{
    private readonly RedisStoreConnection _connection;
    private readonly string _store;
    private readonly bool _allowNoEviction;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MemoryPolicyKind> _lastKnown = new(StringComparer.Ordinal);
    private Task<MemoryPolicy>? _check;
    private int _unreadableLogged;

    public MemoryPolicyGuard(string store, RedisStoreConnection connection, bool allowNoEviction, ILogger logger)
    {
        _store = store;
        _connection = connection;
        _allowNoEviction = allowNoEviction;
        _logger = logger;
    }

    /// <summary>The check in flight or done, starting one when there is none or the last could not reach the server.</summary>
    public Task<MemoryPolicy> Current()
    {
        var check = Volatile.Read(ref _check);
        if (check is not null && !NeedsAnother(check))
        {
            return check;
        }

        lock (_gate)
        {
            if (_check is null || NeedsAnother(_check))
            {
                _check = CheckAsync();
            }

            return _check;
        }

        static bool NeedsAnother(Task<MemoryPolicy> check) =>
            check.IsCompleted && (!check.IsCompletedSuccessfully || check.Result.Kind == MemoryPolicyKind.Unknown);
    }

    /// <summary>Forgets the last verdict and checks again: the connection was restored, perhaps to another server.</summary>
    public void Recheck()
    {
        lock (_gate)
        {
            _check = CheckAsync();
        }
    }

    /// <exception cref="RedisStoreException">The server cannot evict, or its policy is not known yet.</exception>
    public async ValueTask EnsureWritableAsync(string key, CancellationToken cancellationToken)
    {
        var check = Current();
        var policy = check.IsCompletedSuccessfully ? check.Result : await check.WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfRefused(policy, key);
    }

    /// <exception cref="RedisStoreException">The server cannot evict, or its policy is not known yet.</exception>
    public void EnsureWritable(string key) => ThrowIfRefused(Current().GetAwaiter().GetResult(), key);

    private void ThrowIfRefused(MemoryPolicy policy, string key)
    {
        switch (policy.Kind)
        {
            case MemoryPolicyKind.CannotEvict when !_allowNoEviction:
                throw new RedisStoreException(
                    $"Redis set of key {KeyHash.Of(key)} refused: server {policy.Endpoint} cannot evict ({policy.Setting}), so the store does not write "
                    + "values to it. Set maxmemory and maxmemory-policy allkeys-lru, or AllowNoEviction.",
                    RedisStoreFailure.WriteRefused);
            case MemoryPolicyKind.Unknown:
                throw new RedisStoreException(
                    $"Redis set of key {KeyHash.Of(key)} refused: the memory policy of server {policy.Endpoint} is not known yet ({policy.Reason}).",
                    RedisStoreFailure.Connection);
        }
    }

    private async Task<MemoryPolicy> CheckAsync()
    {
        IConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await _connection.GetAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            return new MemoryPolicy(MemoryPolicyKind.Unknown, "(not connected)", Reason: RedisErrors.Describe(ex).Reason);
        }

        var servers = new List<MemoryPolicy>();
        foreach (var server in multiplexer.GetServers())
        {
            // Replicas hold what their primary writes; only a connected server is known to be one.
            if (server.IsConnected && server.IsReplica)
            {
                continue;
            }

            servers.Add(await ReadAsync(server).ConfigureAwait(false));
        }

        foreach (var server in servers)
        {
            Report(server);
        }

        return MemoryPolicy.Combine(servers, "(none)");
    }

    private static async Task<MemoryPolicy> ReadAsync(IServer server)
    {
        var endpoint = RedisStoreConnection.Endpoint(server.EndPoint);
        string denied;
        try
        {
            var settings = await server.ConfigGetAsync("maxmemory*").ConfigureAwait(false);
            var policy = MemoryPolicy.From(endpoint, Find(settings, "maxmemory"), Find(settings, "maxmemory-policy"));
            if (policy.Kind != MemoryPolicyKind.Unreadable)
            {
                return policy;
            }

            denied = "CONFIG GET: " + policy.Reason;
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            denied = "CONFIG GET: " + RedisErrors.Describe(ex).Reason;
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            return new MemoryPolicy(MemoryPolicyKind.Unknown, endpoint, Reason: RedisErrors.Describe(ex).Reason);
        }

        try
        {
            var info = (await server.InfoAsync("memory").ConfigureAwait(false)).SelectMany(group => group).ToArray();
            return MemoryPolicy.From(endpoint, Find(info, "maxmemory"), Find(info, "maxmemory_policy"));
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            return new MemoryPolicy(MemoryPolicyKind.Unreadable, endpoint, Reason: denied + "; INFO: " + RedisErrors.Describe(ex).Reason);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            return new MemoryPolicy(MemoryPolicyKind.Unknown, endpoint, Reason: RedisErrors.Describe(ex).Reason);
        }

        static string? Find(KeyValuePair<string, string>[] pairs, string name) =>
            Array.Find(pairs, p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        // The server or StackExchange.Redis refused the command (ACL, renamed or disabled): asking again will not help.
        static bool IsRefusal(Exception ex) => ex is RedisServerException or RedisCommandException;
    }

    private void Report(MemoryPolicy policy)
    {
        MemoryPolicyKind? previous;
        lock (_gate)
        {
            previous = _lastKnown.TryGetValue(policy.Endpoint, out var known) ? known : null;
            if (policy.Kind != MemoryPolicyKind.Unknown)
            {
                _lastKnown[policy.Endpoint] = policy.Kind;
            }
        }

        switch (policy.Kind)
        {
            case MemoryPolicyKind.CannotEvict when _allowNoEviction:
                Log.CannotEvictAllowed(_logger, _store, policy.Endpoint, policy.Setting);
                break;
            case MemoryPolicyKind.CannotEvict:
                Log.CannotEvict(_logger, _store, policy.Endpoint, policy.Setting);
                break;
            case MemoryPolicyKind.Evicts when previous == MemoryPolicyKind.CannotEvict && !_allowNoEviction:
                Log.WritesResumed(_logger, _store, policy.Endpoint, policy.MaxMemory, policy.Policy);
                break;
            case MemoryPolicyKind.Evicts:
                Log.MemoryPolicyChecked(_logger, _store, policy.Endpoint, policy.MaxMemory, policy.Policy);
                break;
            case MemoryPolicyKind.Unreadable when Interlocked.Exchange(ref _unreadableLogged, 1) == 0:
                Log.MemoryPolicyUnreadable(_logger, _store, policy.Endpoint, _connection.User, policy.Reason);
                break;
        }
    }
}
