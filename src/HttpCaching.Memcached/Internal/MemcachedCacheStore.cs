using HttpCaching.Internal;
using System.Buffers;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// An <see cref="IDistributedCache"/> (and <see cref="IBufferDistributedCache"/>) in memcached, over the meta text
/// protocol, on one or more servers.
/// </summary>
/// <remarks>
/// <para>
/// Each value is stored behind a 20-byte <see cref="ValueHeader"/> with its expiry. Absolute expirations become
/// memcached TTLs (rounded up to whole seconds; a Unix time beyond 30 days) and are checked exactly by the store's
/// <see cref="TimeProvider"/> on every read; a sliding window is the entry's TTL, renewed on every read by a touch
/// pipelined after the value (no extra round trip), and by <see cref="Refresh"/>.
/// </para>
/// <para>
/// Keys go to servers by a <see cref="KetamaRing"/>. A server that cannot be reached, or breaks a connection, is
/// skipped for a growing interval and the call goes to the next server on the ring, to a copy of the key for that
/// outage (see <see cref="RunAsync"/>); a pooled connection that fails is
/// retried once on a new one first, since that is what a server restart looks like. Failures leave as
/// <see cref="MemcachedStoreException"/>s whose messages name the key only by its hash, which the caching handler
/// reports as not stored, or as a miss; a value above a server's item size leaves as an
/// <see cref="ArgumentOutOfRangeException"/> for <c>value</c>, after the key's older value was removed. The
/// synchronous members block on the asynchronous ones.
/// </para>
/// </remarks>
internal sealed class MemcachedCacheStore : IBufferDistributedCache, IAsyncDisposable, IDisposable
{
    /// <summary>What memcached adds to an item beyond key and value, at most (item header, CAS, suffix, <c>\r\n</c>).</summary>
    internal const int ItemOverhead = 64;

    private readonly ServerNode[] _nodes;
    private readonly KetamaRing _ring;
    private readonly string _prefix;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _store;
    private readonly bool _tls;
    private readonly int[] _tooLargeLogged;
    private readonly int[] _authLogged;
    private readonly int[] _protocolLogged;
    private int _disposed;

    public MemcachedCacheStore(string name, MemcachedHttpCacheOptions options, TimeProvider time, ILoggerFactory loggerFactory, bool readItemSizeLimit = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        var servers = ServerAddress.ParseList(options.Servers, out var error);
        if (error is not null)
        {
            throw new ArgumentException($"{StoreName.Describe(name)}: {nameof(MemcachedHttpCacheOptions)}.{nameof(options.Servers)} {error}", nameof(options));
        }

        var validator = options.CaCertificatePath is { } path ? ServerCertificateValidator.FromFile(path) : null;
        var settings = new ConnectionSettings(
            options.UseTls,
            options.TlsServerName,
            validator is null ? null : validator.Validate,
            options.Username,
            options.Password,
            options.ConnectTimeout);

        _time = time;
        _store = StoreName.ForLog(name);
        _logger = loggerFactory.CreateLogger(MemcachedHttpCacheDiagnostics.LoggerCategory);
        _prefix = options.KeyPrefix;
        _operationTimeout = options.OperationTimeout;
        _tls = options.UseTls;
        _nodes = [.. servers.Select(s => new ServerNode(s, settings, options.MaxConnectionsPerServer, time, options.ServerRetryInterval, options.MaxServerRetryInterval) { ReadItemSizeLimit = readItemSizeLimit })];
        foreach (var node in _nodes)
        {
            node.ItemSizeLearned += (n, limit) => Log.ItemSizeLimit(_logger, _store, n.Name, limit);
        }

        _ring = new KetamaRing([.. _nodes.Select(n => n.Name)]);
        _tooLargeLogged = new int[_nodes.Length];
        _authLogged = new int[_nodes.Length];
        _protocolLogged = new int[_nodes.Length];
    }

    /// <summary>The servers, in the order of <see cref="MemcachedHttpCacheOptions.Servers"/>; for tests.</summary>
    internal IReadOnlyList<ServerNode> Nodes => _nodes;

    /// <inheritdoc/>
    public byte[]? Get(string key) => Wait(GetAsync(key, CancellationToken.None));

    /// <inheritdoc/>
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var value = await ReadAsync(key, pooled: false, token).ConfigureAwait(false);
        return value?.Array;
    }

    /// <inheritdoc/>
    public bool TryGet(string key, IBufferWriter<byte> destination) => Wait(TryGetAsync(key, destination, CancellationToken.None));

    /// <inheritdoc/>
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        var value = await ReadAsync(key, pooled: true, token).ConfigureAwait(false);
        if (value is null)
        {
            return false;
        }

        try
        {
            destination.Write(value.Span);
            return true;
        }
        finally
        {
            value.Release();
        }
    }

    /// <inheritdoc/>
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        Wait(SetAsync(key, new ReadOnlySequence<byte>(value), options, CancellationToken.None));
    }

    /// <inheritdoc/>
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    /// <inheritdoc/>
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) =>
        Wait(SetAsync(key, value, options, CancellationToken.None));

    /// <inheritdoc/>
    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        var now = _time.GetUtcNow();
        var expiry = EntryExpiry.From(options, now);
        var ttl = expiry.ServerTtl(now);
        if (ttl < 0)
        {
            // Expired already: what was there before must not outlive this write either.
            await RemoveAsync(key, token).ConfigureAwait(false);
            return;
        }

        try
        {
            await SetOnServerAsync(key, value, expiry, ttl, token).ConfigureAwait(false);
        }
        catch (ServerErrorException ex) when (ex.TooLarge)
        {
            // This value, not the server: an argument exception, which the cache counts as not stored and never against
            // the store's health (its breakers).
            throw new ArgumentOutOfRangeException(
                nameof(value),
                $"memcached set of key {KeyHash.Of(key)} refused: the value is larger than the item size limit (-I) of memcached server {ex.Server}; it was not stored, and the key's older value was removed.");
        }
    }

    private async ValueTask SetOnServerAsync(string key, ReadOnlySequence<byte> value, EntryExpiry expiry, long ttl, CancellationToken token)
    {
        await RunAsync("set", key, (value, expiry, ttl, store: this), static async (node, connection, wire, state, token) =>
        {
            var size = wire.Length + ValueHeader.Length + state.value.Length + ItemOverhead;
            var limit = node.ItemSizeMax;
            if ((limit > 0 && size > limit) || size >= node.SmallestRefused)
            {
                state.store.TooLarge(node, size, limit);

                // As memcached does when it refuses a set: the key's older value must not outlive the write.
                await connection.DeleteAsync(wire, token).ConfigureAwait(false);
                throw new ServerErrorException("the value is larger than the server's item size limit.") { TooLarge = true, Local = true };
            }

            try
            {
                await connection.SetAsync(wire, state.value, state.expiry, state.ttl, token).ConfigureAwait(false);
            }
            catch (ServerErrorException ex) when (ex.TooLarge)
            {
                node.NoteRefused(size);
                state.store.TooLarge(node, size, limit);
                await connection.DeleteAsync(wire, token).ConfigureAwait(false);
                throw;
            }

            return true;
        }, token).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Refresh(string key) => Wait(RefreshAsync(key, CancellationToken.None));

    /// <inheritdoc/>
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync("refresh", key, this, static async (node, connection, wire, store, token) =>
        {
            if (await connection.FlagsAsync(wire, token).ConfigureAwait(false) is not { } flags || flags == 0)
            {
                // Missing, or not sliding: an absolute expiration is never extended.
                return true;
            }

            var now = store._time.GetUtcNow();
            long ttl;
            if ((flags & EntryExpiry.CappedFlag) == 0)
            {
                ttl = EntryExpiry.Ttl(now, flags * TimeSpan.TicksPerSecond);
            }
            else
            {
                // A sliding window under an absolute cap: the cap is in the value's header.
                var (outcome, expiry, value, _) = await connection.GetAsync(wire, now, pooled: true, token, node.ItemSizeMax).ConfigureAwait(false);
                value?.Release();
                if (outcome != GetOutcome.Hit)
                {
                    return true;
                }

                ttl = expiry.ServerTtl(now);
            }

            await connection.TouchAsync(wire, ttl, token).ConfigureAwait(false);
            return true;
        }, token).AsTask();
    }

    /// <inheritdoc/>
    public void Remove(string key) => Wait(RemoveAsync(key, CancellationToken.None));

    /// <inheritdoc/>
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync("remove", key, 0, static (node, connection, wire, _, token) => connection.DeleteAsync(wire, token), token).AsTask();
    }

    /// <summary>
    /// The TTL the server holds for a key, in seconds (-1 for none), or null when it has none. Only the expiry tests read
    /// it, through the store's own connection on purpose: on it, a touch pipelined after a read is answered before this
    /// command, which a connection of the test's own cannot promise.
    /// </summary>
    internal async Task<long?> ServerTtlAsync(string key, CancellationToken token = default) =>
        await RunAsync("ttl", key, 0, static (node, connection, wire, _, token) => connection.TtlAsync(wire, token), token).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private ValueTask<ValueBuffer?> ReadAsync(string key, bool pooled, CancellationToken token) =>
        RunAsync("get", key, (pooled, store: this), static async (node, connection, wire, state, token) =>
        {
            var now = state.store._time.GetUtcNow();
            var (outcome, expiry, value, remaining) = await connection.GetAsync(wire, now, state.pooled, token, node.ItemSizeMax).ConfigureAwait(false);
            if (outcome != GetOutcome.Hit)
            {
                return null;
            }

            // A touch that would move the TTL by no more than memcached's one-second resolution changes nothing: skipped.
            if (expiry.IsSliding && !(remaining is { } left && left >= 0 && expiry.RemainingSeconds(now) - left <= 1))
            {
                try
                {
                    await connection.TouchLaterAsync(wire, expiry.ServerTtl(now), token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    // The value is whole; only the touch is lost, and the connection with it (a write cut off by the
                    // operation's time may have left half a command on it).
                    connection.Broken = true;
                }
            }

            return value;
        }, token);

    /// <summary>
    /// Runs one operation on the server the key belongs to, or, when that one is down, on the next on the ring; bounded
    /// by <see cref="MemcachedHttpCacheOptions.OperationTimeout"/>.
    /// </summary>
    /// <remarks>
    /// On another server the key is its outage's copy (<see cref="KeyEncoder.Failover"/>), never the key itself: copies
    /// from an earlier outage are never read in a later one, and that server's own keys are left alone. A write or
    /// removal that went elsewhere is remembered (<see cref="ServerNode.NoteRerouted"/>): the key's own server kept what
    /// it held before, an older value or one removed since, which goes before the server is read again
    /// (<see cref="CleanUpAsync"/>).
    /// </remarks>
    private async ValueTask<T> RunAsync<TState, T>(
        string operation,
        string key,
        TState state,
        Func<ServerNode, MemcachedConnection, byte[], TState, CancellationToken, ValueTask<T>> run,
        CancellationToken token)
    {
        // After disposal a call would open connections nobody closes any more before they are returned.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        token.ThrowIfCancellationRequested();
        var raw = KeyEncoder.Raw(_prefix, key);
        var wire = KeyEncoder.Encode(raw);
        var modifies = operation is "set" or "remove";
        var order = _nodes.Length == 1 ? [0] : _ring.Order(KetamaRing.Hash(raw));
        var owner = _nodes[order[0]];
        if (_nodes.Length > 1)
        {
            // Before this call's own time starts: a clean-up spends time of its own.
            await CleanUpOthersAsync(owner, token).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(_operationTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        NodeFailure? last = null;
        ServerNode? tried = null;
        var skipped = new List<ServerNode>();
        for (var position = 0; position < order.Length; position++)
        {
            var index = order[position];
            var node = _nodes[index];
            if (node.IsSkipped)
            {
                skipped.Add(node);
                continue;
            }

            if (tried is not null && timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                // The time ran out on a server before: the next one is not tried (nor marked down) with none left.
                throw Failed(operation, key, $"memcached server {tried.Name} did not answer within OperationTimeout ({_operationTimeout}).", MemcachedStoreFailure.Timeout, null);
            }

            tried = node;

            var onOwner = position == 0;
            var nodeWire = onOwner ? wire : KeyEncoder.Encode(KeyEncoder.Failover(raw, ChainEpoch(order, position)));
            if (!onOwner && modifies)
            {
                owner.NoteRerouted(wire);
            }

            try
            {
                if (onOwner && owner.HasRerouted)
                {
                    await CleanUpAsync(index, owner, wait: true, linked.Token, token).ConfigureAwait(false);
                }

                return await OnNodeAsync(index, node, nodeWire, state, run, linked.Token, token).ConfigureAwait(false);
            }
            catch (NodeFailure failure)
            {
                last = failure;
            }
            catch (PoolBusyException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw Failed(operation, key, $"every connection to memcached server {node.Name} (MaxConnectionsPerServer) was in use for the whole OperationTimeout ({_operationTimeout}).", MemcachedStoreFailure.Timeout, null);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw Failed(operation, key, $"memcached server {node.Name} did not answer within OperationTimeout ({_operationTimeout}).", MemcachedStoreFailure.Timeout, null);
            }
            catch (ServerErrorException ex) when (ex.TooLarge && ex.Server is null)
            {
                throw new ServerErrorException(ex.Message) { TooLarge = true, Local = ex.Local, Server = node.Name };
            }
            catch (ServerErrorException ex)
            {
                throw Failed(operation, key, $"memcached server {node.Name} refused it: {ex.Message}", MemcachedStoreFailure.Server, null);
            }
            catch (ProtocolViolationException ex)
            {
                throw Failed(operation, key, $"memcached server {node.Name} broke the protocol: {ex.Message}", MemcachedStoreFailure.Protocol, null);
            }
        }

        if (last is not null)
        {
            throw Failed(operation, key, last.Message, last.Kind, last.InnerException);
        }

        throw Failed(operation, key, skipped.Count == 1
            ? $"memcached server {skipped[0].Name} is down; it is tried again after its retry interval."
            : $"every memcached server is down ({string.Join(", ", skipped.Select(n => n.Name))}); each is tried again after its retry interval.", MemcachedStoreFailure.Connection, null);
    }

    /// <summary>
    /// Cleans up (<see cref="CleanUpAsync"/>) the other servers that are due for it, with a call of any key: not only
    /// this store's next call of one of their keys, since the other instances read those keys meanwhile. Each within an
    /// operation timeout of its own, before the call's starts, and whatever the caller's cancellation (so a call waits
    /// for it at most that long, once per retry interval of the server); one that fails or does not answer leaves its
    /// server down (skipped for its retry interval) and this call goes on.
    /// </summary>
    private async ValueTask CleanUpOthersAsync(ServerNode owner, CancellationToken token)
    {
        for (var index = 0; index < _nodes.Length; index++)
        {
            var node = _nodes[index];
            if (node == owner || !node.HasRerouted || node.IsSkipped)
            {
                continue;
            }

            // Not the caller's token: a caller that gives up first (its StoreTimeout is shorter) must not leave a silent
            // server unmarked, for every next call to wait on it again. The clean-up ends within its own timeout.
            using var timeout = new CancellationTokenSource(_operationTimeout, _time);
            try
            {
                await CleanUpAsync(index, node, wait: false, timeout.Token, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && ex is not PoolBusyException)
            {
                // It connects but does not answer: down, so that the next calls do not each wait for it again.
                _ = NodeDown(index, node, new TimeoutException($"memcached server {node.Name} did not answer within OperationTimeout ({_operationTimeout})."), fresh: false);
            }
            catch (Exception ex) when (ex is NodeFailure or ServerErrorException or ProtocolViolationException or PoolBusyException)
            {
                // Left for the next call (every connection busy: in use, not down): the server stays as marked (down, when it failed as a whole).
            }
        }
    }

    /// <summary>
    /// A server is back after writes or removals of its keys went elsewhere: those keys go from it first (or, past
    /// <see cref="ServerNode.MaxRerouted"/> of them, everything it holds, with <c>flush_all</c>), so an older value it
    /// kept through the outage, or one removed meanwhile, is never read. One clean-up at a time; a call of one of its
    /// keys waits for the one under way (<paramref name="wait"/>), any other call leaves it be.
    /// </summary>
    private async ValueTask CleanUpAsync(int index, ServerNode node, bool wait, CancellationToken token, CancellationToken callerToken)
    {
        if (wait)
        {
            await node.CleanupGate.WaitAsync(token).ConfigureAwait(false);
        }
        else if (!await node.CleanupGate.WaitAsync(0, CancellationToken.None).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (!node.HasRerouted)
            {
                return;
            }

            var (keys, overflow) = node.Rerouted();
            await OnNodeAsync(index, node, [], (keys, overflow, store: this), static async (node, connection, _, state, token) =>
            {
                if (state.overflow)
                {
                    await connection.FlushAllAsync(token).ConfigureAwait(false);
                    node.Flushed();
                    Log.ServerFlushed(state.store._logger, state.store._store, node.Name, ServerNode.MaxRerouted);
                    return true;
                }

                foreach (var (name, wire) in state.keys)
                {
                    await connection.DeleteAsync(wire, token).ConfigureAwait(false);
                    node.CleanedUp(name);
                }

                return true;
            }, token, callerToken).ConfigureAwait(false);
        }
        finally
        {
            node.CleanupGate.Release();
        }
    }

    private async ValueTask<T> OnNodeAsync<TState, T>(
        int index,
        ServerNode node,
        byte[] wire,
        TState state,
        Func<ServerNode, MemcachedConnection, byte[], TState, CancellationToken, ValueTask<T>> run,
        CancellationToken token,
        CancellationToken callerToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            MemcachedConnection connection;
            try
            {
                connection = await node.RentAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!token.IsCancellationRequested && IsNodeFailure(ex))
            {
                throw NodeDown(index, node, ex, fresh: true);
            }
            catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested && ex is not PoolBusyException)
            {
                // The operation's time ran out while connecting: the server is as good as down.
                throw NodeDown(index, node, new TimeoutException($"connecting to memcached server {node.Name} did not complete within OperationTimeout ({_operationTimeout})."), fresh: true);
            }
            catch (Exception ex) when (token.IsCancellationRequested && IsNodeFailure(ex))
            {
                // The connection broke as the call was cancelled (a cancelled socket or TLS read may end so): the
                // caller's cancellation, or the operation's time running out while connecting, as above.
                callerToken.ThrowIfCancellationRequested();
                throw NodeDown(index, node, new TimeoutException($"connecting to memcached server {node.Name} did not complete within OperationTimeout ({_operationTimeout})."), fresh: true);
            }

            try
            {
                var result = await run(node, connection, wire, state, token).ConfigureAwait(false);
                if (connection.Broken)
                {
                    await node.DiscardAsync(connection, all: false).ConfigureAwait(false);
                }
                else
                {
                    node.Return(connection);
                }

                if (node.MarkUp())
                {
                    Log.ServerRestored(_logger, _store, node.Name);
                }

                Volatile.Write(ref _authLogged[index], 0);
                return result;
            }
            catch (ServerErrorException ex) when (ex.TooLarge)
            {
                // memcached reads past a value it refuses as too large, so the connection is still in step.
                node.Return(connection);
                throw;
            }
            catch (ProtocolViolationException ex)
            {
                await node.DiscardAsync(connection, all: false).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _protocolLogged[index], 1) == 0)
                {
                    Log.ProtocolViolation(_logger, _store, node.Name, ex.Message);
                }

                throw;
            }
            catch (Exception ex) when (!token.IsCancellationRequested && ex is IOException or SocketException && connection.Reused && attempt == 0)
            {
                // A pooled connection that broke: the server may have restarted. Every idle one is as stale; try a new one.
                await node.DiscardAsync(connection, all: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (!token.IsCancellationRequested && ex is IOException or SocketException)
            {
                await node.DiscardAsync(connection, all: true).ConfigureAwait(false);
                throw NodeDown(index, node, ex, fresh: false);
            }
            catch
            {
                await node.DiscardAsync(connection, all: false).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// The outage a copy at <paramref name="position"/> of <paramref name="order"/> belongs to: the epochs of the key's
    /// server, of every server before this one (all down, or the call would not be here) and of this one. A copy is
    /// read only while none of them has gone down since it was written: one that a server kept through its own outage,
    /// or one written while a server before it was down, that was later removed or rewritten elsewhere, is never read.
    /// </summary>
    private byte[] ChainEpoch(int[] order, int position)
    {
        var epoch = new byte[16 * (position + 1)];
        for (var i = 0; i <= position; i++)
        {
            _nodes[order[i]].FailoverEpoch.CopyTo(epoch, 16 * i);
        }

        return epoch;
    }

    private static bool IsNodeFailure(Exception ex) =>
        ex is IOException or SocketException or AuthenticationException or AuthenticationFailedException or ProtocolViolationException or TimeoutException;

    private NodeFailure NodeDown(int index, ServerNode node, Exception ex, bool fresh)
    {
        var (kind, reason) = ex switch
        {
            AuthenticationFailedException => (MemcachedStoreFailure.Authentication, ex.Message),
            AuthenticationException => (MemcachedStoreFailure.Tls, $"the TLS handshake with memcached server {node.Name} failed ({ex.Message}): "
                + "is TLS on at the server (-Z), and does its certificate chain to CaCertificatePath (or a system root) and carry the name TlsServerName, or the host?"),
            SocketException socket => (MemcachedStoreFailure.Connection, $"no connection to memcached server {node.Name} ({socket.SocketErrorCode})."),
            TimeoutException when fresh && !_tls => (MemcachedStoreFailure.Timeout, ex.Message
                + " A memcached with TLS (-Z) waits for a TLS handshake and never answers a plain connection: set UseTls if it has it."),
            TimeoutException => (MemcachedStoreFailure.Timeout, ex.Message),
            ProtocolViolationException => (MemcachedStoreFailure.Protocol, $"memcached server {node.Name} broke the protocol while connecting: {ex.Message}"),
            _ when fresh && !_tls => (MemcachedStoreFailure.Connection, $"memcached server {node.Name} closed the connection ({ex.Message}) "
                + "A memcached with TLS (-Z) closes connections that do not start TLS: set UseTls if it has it."),
            _ => (MemcachedStoreFailure.Connection, $"the connection to memcached server {node.Name} broke: {ex.Message}"),
        };

        var (wasUp, skippedFor) = node.MarkDown();
        Volatile.Write(ref _tooLargeLogged[index], 0);
        Log.ServerDown(_logger, wasUp ? LogLevel.Warning : LogLevel.Debug, _store, node.Name, reason, skippedFor);
        if (kind == MemcachedStoreFailure.Authentication && Interlocked.Exchange(ref _authLogged[index], 1) == 0)
        {
            Log.AuthenticationFailed(_logger, _store, reason);
        }

        // Socket and TLS exceptions name addresses and certificates, never a key: they may stay as the cause.
        return new NodeFailure(reason, kind, ex is SocketException or AuthenticationException ? ex : null);
    }

    private void TooLarge(ServerNode node, long size, long limit)
    {
        var index = Array.IndexOf(_nodes, node);
        if (Interlocked.Exchange(ref _tooLargeLogged[index], 1) == 0)
        {
            var described = limit > 0
                ? $"-I, item_size_max = {limit} bytes"
                : $"-I; it did not say its item_size_max, and refused {node.SmallestRefused} bytes";
            Log.ItemTooLarge(_logger, _store, node.Name, size, described);
        }
    }

    private static MemcachedStoreException Failed(string operation, string key, string reason, MemcachedStoreFailure failure, Exception? inner) =>
        new($"memcached {operation} of key {KeyHash.Of(key)} failed: {reason}", failure, inner);

    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>A server failed as a whole (not this one operation): the next server on the ring may take the call.</summary>
    private sealed class NodeFailure(string message, MemcachedStoreFailure kind, Exception? inner) : Exception(message, inner)
    {
        public MemcachedStoreFailure Kind { get; } = kind;
    }
}
