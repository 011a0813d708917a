using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// An <see cref="IDistributedCache"/> that records every operation with its key, in order. Made with a
/// <see cref="TimeProvider"/> it is an in-memory store of its own, whose absolute and sliding expiration follow that
/// clock and whose raw records a test can read, replace or corrupt; made with another store it passes every call on to
/// that one (to see which records an application instance read from, or wrote to, a shared store).
/// </summary>
public sealed class RecordingDistributedCache : IDistributedCache
{
    private readonly ConcurrentDictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StoreCall> _log = new();
    private readonly TimeProvider? _time;
    private readonly IDistributedCache? _inner;

    /// <summary>An in-memory store that judges expiry by <paramref name="time"/>.</summary>
    public RecordingDistributedCache(TimeProvider time) => _time = time;

    /// <summary>Records the calls that reach <paramref name="inner"/>, which does the work.</summary>
    public RecordingDistributedCache(IDistributedCache inner) => _inner = inner;

    /// <summary>Every call since the last <see cref="ClearLog"/>, in order.</summary>
    public IReadOnlyList<StoreCall> Operations => [.. _log];

    /// <summary>The keys read since the last <see cref="ClearLog"/>, in order.</summary>
    public IReadOnlyList<string> Reads => [.. _log.Where(c => c.Operation == "get").Select(c => c.Key)];

    /// <summary>The keys of the records held and not expired (in-memory store only).</summary>
    public IReadOnlyCollection<string> Keys => [.. _items.Where(i => !i.Value.IsExpired(Now)).Select(i => i.Key)];

    public int SetCount(Func<string, bool>? keyFilter = null) => Count("set", keyFilter);

    public int Count(string operation, Func<string, bool>? keyFilter = null) =>
        Operations.Count(o => o.Operation == operation && (keyFilter?.Invoke(o.Key) ?? true));

    public void ClearLog() => _log.Clear();

    /// <summary>The record as stored, without recording a read or touching its sliding window (in-memory store only).</summary>
    public byte[]? Raw(string key)
    {
        EnsureOwnStore();
        return _items.TryGetValue(key, out var item) ? item.Value : null;
    }

    /// <summary>Replaces the record, with no expiry, without recording a write (in-memory store only).</summary>
    public void Put(string key, byte[] value)
    {
        EnsureOwnStore();
        _items[key] = new Item(value, null, null, Now);
    }

    /// <summary>When the record expires as things stand (in-memory store only).</summary>
    public DateTimeOffset? ExpiresAt(string key)
    {
        EnsureOwnStore();
        return _items.TryGetValue(key, out var item) ? item.ExpiresAt : null;
    }

    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _log.Enqueue(new("get", key));
        return _inner is null ? Touch(key)?.Value : _inner.Get(key);
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_inner is not null)
        {
            _log.Enqueue(new("get", key));
            return _inner.GetAsync(key, token);
        }

        return Task.FromResult(Get(key));
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        _log.Enqueue(new("set", key));
        if (_inner is not null)
        {
            _inner.Set(key, value, options);
            return;
        }

        var now = Now;
        var absolute = options.AbsoluteExpiration ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        _items[key] = new Item(value, absolute, options.SlidingExpiration, now);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (_inner is not null)
        {
            ArgumentNullException.ThrowIfNull(key);
            _log.Enqueue(new("set", key));
            return _inner.SetAsync(key, value, options, token);
        }

        Set(key, value, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _log.Enqueue(new("refresh", key));
        if (_inner is not null)
        {
            _inner.Refresh(key);
            return;
        }

        Touch(key);
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        if (_inner is not null)
        {
            ArgumentNullException.ThrowIfNull(key);
            _log.Enqueue(new("refresh", key));
            return _inner.RefreshAsync(key, token);
        }

        Refresh(key);
        return Task.CompletedTask;
    }

    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _log.Enqueue(new("remove", key));
        if (_inner is not null)
        {
            _inner.Remove(key);
            return;
        }

        _items.TryRemove(key, out _);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (_inner is not null)
        {
            ArgumentNullException.ThrowIfNull(key);
            _log.Enqueue(new("remove", key));
            return _inner.RemoveAsync(key, token);
        }

        Remove(key);
        return Task.CompletedTask;
    }

    private DateTimeOffset Now => (_time ?? TimeProvider.System).GetUtcNow();

    private void EnsureOwnStore()
    {
        if (_inner is not null)
        {
            throw new InvalidOperationException("Only the in-memory store has raw records; this one passes its calls on to another store.");
        }
    }

    private Item? Touch(string key)
    {
        var now = Now;
        if (!_items.TryGetValue(key, out var item))
        {
            return null;
        }

        if (item.IsExpired(now))
        {
            _items.TryRemove(key, out _);
            return null;
        }

        var touched = item with { LastAccess = now };
        _items[key] = touched;
        return touched;
    }

    /// <summary>One call: <c>get</c>, <c>set</c>, <c>refresh</c> or <c>remove</c>, and its key.</summary>
    public sealed record StoreCall(string Operation, string Key);

    private sealed record Item(byte[] Value, DateTimeOffset? Absolute, TimeSpan? Sliding, DateTimeOffset LastAccess)
    {
        public DateTimeOffset? ExpiresAt =>
            Sliding is { } sliding
                ? (Absolute is { } absolute && absolute < LastAccess + sliding ? absolute : LastAccess + sliding)
                : Absolute;

        public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;
    }
}
