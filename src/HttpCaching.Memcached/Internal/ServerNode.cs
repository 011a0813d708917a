using System.Collections.Concurrent;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// One server of a store: its pool of connections (at most <see cref="MemcachedHttpCacheOptions.MaxConnectionsPerServer"/>),
/// whether it is down and until when it is skipped, and what the store knows of its item size limit.
/// </summary>
internal sealed class ServerNode : IAsyncDisposable
{
    private readonly IdleConnections<MemcachedConnection> _idle = new();
    private readonly Func<MemcachedConnection, bool> _isCurrent;
    private readonly SemaphoreSlim _slots;
    private readonly ConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly TimeSpan _minRetry;
    private readonly TimeSpan _maxRetry;
    private readonly Lock _gate = new();
    private int _generation;
    private long _downUntilTicks;
    private TimeSpan _nextRetry;
    private bool _down;
    private long _itemSizeMax;
    private long _smallestRefused = long.MaxValue;
    private byte[] _failoverEpoch = NewEpoch();
    private readonly ConcurrentDictionary<string, byte[]> _rerouted = new(StringComparer.Ordinal);
    private int _reroutedCount;
    private int _reroutedOverflow;

    public ServerNode(ServerAddress address, ConnectionSettings settings, int maxConnections, TimeProvider time, TimeSpan minRetry, TimeSpan maxRetry)
    {
        Address = address;
        Name = address.ToString();
        _settings = settings;
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _time = time;
        _minRetry = minRetry;
        _maxRetry = maxRetry < minRetry ? minRetry : maxRetry;
        _nextRetry = minRetry;
        _isCurrent = connection => connection.Generation == Volatile.Read(ref _generation);
    }

    public ServerAddress Address { get; }

    public string Name { get; }

    /// <summary>Whether the item size limit is to be read from the server (set by the store; off for tests of the first refusal).</summary>
    public bool ReadItemSizeLimit { get; init; } = true;

    /// <summary>The server's item size limit, from <c>stats settings</c>; 0 while unknown.</summary>
    public long ItemSizeMax => Interlocked.Read(ref _itemSizeMax);

    /// <summary>The smallest item the server refused as too large (key, header and value), or <see cref="long.MaxValue"/>.</summary>
    public long SmallestRefused => Interlocked.Read(ref _smallestRefused);

    /// <summary>Whether the server is being skipped now.</summary>
    public bool IsSkipped => _time.GetUtcNow().UtcTicks < Interlocked.Read(ref _downUntilTicks);

    /// <summary>Whether the last attempt failed (the server is down, or being retried).</summary>
    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _down;
            }
        }
    }

    /// <summary>The most keys <see cref="NoteRerouted"/> remembers; past it, the server is flushed when it is back.</summary>
    public const int MaxRerouted = 256;

    /// <summary>
    /// Names this server's current outage, or the last one: the copies of its keys that other servers hold while it is
    /// down are stored under keys derived from it, so an outage never reads what another one left behind.
    /// </summary>
    public byte[] FailoverEpoch => Volatile.Read(ref _failoverEpoch);

    /// <summary>Whether a write or removal of one of this server's keys went to another server while it was down.</summary>
    public bool HasRerouted => Volatile.Read(ref _reroutedCount) > 0 || Volatile.Read(ref _reroutedOverflow) != 0;

    /// <summary>Serializes the clean-up of the keys <see cref="NoteRerouted"/> remembers.</summary>
    public SemaphoreSlim CleanupGate { get; } = new(1, 1);

    /// <summary>
    /// Remembers that a write or removal of one of this server's keys (<paramref name="wire"/>, as sent) went elsewhere:
    /// whatever this server holds for it may be older, so it goes when the server is back, before this store reads it.
    /// </summary>
    public void NoteRerouted(byte[] wire)
    {
        if (Volatile.Read(ref _reroutedOverflow) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _reroutedCount) >= MaxRerouted)
        {
            Volatile.Write(ref _reroutedOverflow, 1);
            return;
        }

        if (_rerouted.TryAdd(System.Text.Encoding.ASCII.GetString(wire), wire))
        {
            Interlocked.Increment(ref _reroutedCount);
        }
    }

    /// <summary>The keys to remove from this server, and whether more went elsewhere than were remembered (flush it instead).</summary>
    public (IReadOnlyCollection<KeyValuePair<string, byte[]>> Keys, bool Overflow) Rerouted() =>
        ([.. _rerouted], Volatile.Read(ref _reroutedOverflow) != 0);

    /// <summary>A remembered key was removed from this server.</summary>
    public void CleanedUp(string key)
    {
        if (_rerouted.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _reroutedCount);
        }
    }

    /// <summary>The server was flushed: nothing it holds predates the outage.</summary>
    public void Flushed()
    {
        Volatile.Write(ref _reroutedOverflow, 0);
        foreach (var key in _rerouted.Keys)
        {
            CleanedUp(key);
        }
    }

    /// <summary>Takes a pooled connection, or opens one; the caller gives it back with <see cref="Return"/> or <see cref="DiscardAsync"/>.</summary>
    /// <returns>The connection, and whether it is new (so the item size limit may need reading).</returns>
    public async ValueTask<MemcachedConnection> RentAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            // Every connection was busy the whole time: the server is in use, not down.
            throw new PoolBusyException(ex.CancellationToken);
        }

        try
        {
            var generation = Volatile.Read(ref _generation);
            while (_idle.TryTake(out var pooled))
            {
                if (pooled.Generation == generation)
                {
                    pooled.Reused = true;
                    return pooled;
                }

                await pooled.DisposeAsync().ConfigureAwait(false);
            }

            using var connect = new CancellationTokenSource(_settings.ConnectTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connect.Token);
            MemcachedConnection connection;
            try
            {
                connection = await MemcachedConnection.OpenAsync(Address, _settings, generation, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connect.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting to memcached server {Name} took longer than ConnectTimeout ({_settings.ConnectTimeout}).");
            }

            if (ReadItemSizeLimit && ItemSizeMax == 0)
            {
                try
                {
                    var limit = await connection.ItemSizeMaxAsync(linked.Token).ConfigureAwait(false);
                    if (limit is { } known)
                    {
                        Interlocked.Exchange(ref _itemSizeMax, known);
                        ItemSizeLearned?.Invoke(this, known);
                    }
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return connection;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Raised when the item size limit was read from the server.</summary>
    public event Action<ServerNode, long>? ItemSizeLearned;

    /// <summary>Gives a healthy connection back to the pool.</summary>
    public void Return(MemcachedConnection connection)
    {
        _idle.Return(connection, _isCurrent);
        _slots.Release();
    }

    /// <summary>Closes a connection that failed or is out of step, and every idle one with it when the server may have restarted.</summary>
    public async ValueTask DiscardAsync(MemcachedConnection connection, bool all)
    {
        _slots.Release();
        await connection.DisposeAsync().ConfigureAwait(false);
        if (all)
        {
            Interlocked.Increment(ref _generation);
            await _idle.CloseIdleAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Marks the server down: skipped until the retry interval has passed, which doubles with each failed retry.</summary>
    /// <returns>Whether it was up until now (the first failure of an outage), and the interval it is skipped for.</returns>
    public (bool WasUp, TimeSpan SkippedFor) MarkDown()
    {
        lock (_gate)
        {
            var wasUp = !_down;
            _down = true;
            if (wasUp)
            {
                Volatile.Write(ref _failoverEpoch, NewEpoch());
            }

            var interval = _nextRetry;
            Interlocked.Exchange(ref _downUntilTicks, (_time.GetUtcNow() + interval).UtcTicks);
            _nextRetry = interval * 2 < _maxRetry ? interval * 2 : _maxRetry;

            // A restarted server has lost its settings with its items: read the limit again.
            Interlocked.Exchange(ref _itemSizeMax, 0);
            Interlocked.Increment(ref _generation);
            return (wasUp, interval);
        }
    }

    /// <summary>Marks the server up after a successful call.</summary>
    /// <returns>Whether it was down until now.</returns>
    public bool MarkUp()
    {
        if (!Volatile.Read(ref _down))
        {
            return false;
        }

        lock (_gate)
        {
            var wasDown = _down;
            _down = false;
            _nextRetry = _minRetry;
            Interlocked.Exchange(ref _downUntilTicks, 0);
            return wasDown;
        }
    }

    /// <summary>Notes an item the server refused as too large; returns whether it is smaller than any refused before.</summary>
    public bool NoteRefused(long itemSize)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _smallestRefused);
            if (itemSize >= current)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _smallestRefused, itemSize, current) != current);
        return true;
    }

    private static byte[] NewEpoch() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);

    public ValueTask DisposeAsync() => _idle.DisposeAsync();
}
