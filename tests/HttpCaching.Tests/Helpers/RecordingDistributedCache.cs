using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// An in-memory <see cref="IDistributedCache"/> that records every operation and lets a test read, replace or corrupt
/// the raw records. Absolute and sliding expiration follow the test's <see cref="TimeProvider"/>.
/// </summary>
public sealed class RecordingDistributedCache(TimeProvider time) : IDistributedCache
{
    private readonly ConcurrentDictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Operation, string Key)> _log = new();

    public IReadOnlyList<(string Operation, string Key)> Operations => [.. _log];

    public IReadOnlyCollection<string> Keys => [.. _items.Where(i => !i.Value.IsExpired(time.GetUtcNow())).Select(i => i.Key)];

    public int SetCount(Func<string, bool>? keyFilter = null) => Count("set", keyFilter);

    public int Count(string operation, Func<string, bool>? keyFilter = null) =>
        Operations.Count(o => o.Operation == operation && (keyFilter?.Invoke(o.Key) ?? true));

    public void ClearLog() => _log.Clear();

    public byte[]? Raw(string key) => _items.TryGetValue(key, out var item) ? item.Value : null;

    public void Put(string key, byte[] value) => _items[key] = new Item(value, null, null, time.GetUtcNow());

    public DateTimeOffset? ExpiresAt(string key) => _items.TryGetValue(key, out var item) ? item.ExpiresAt : null;

    public byte[]? Get(string key)
    {
        _log.Enqueue(("get", key));
        return Touch(key)?.Value;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        _log.Enqueue(("set", key));
        var now = time.GetUtcNow();
        var absolute = options.AbsoluteExpiration ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        _items[key] = new Item(value, absolute, options.SlidingExpiration, now);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Set(key, value, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key)
    {
        _log.Enqueue(("refresh", key));
        Touch(key);
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Refresh(key);
        return Task.CompletedTask;
    }

    public void Remove(string key)
    {
        _log.Enqueue(("remove", key));
        _items.TryRemove(key, out _);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }

    private Item? Touch(string key)
    {
        var now = time.GetUtcNow();
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

    private sealed record Item(byte[] Value, DateTimeOffset? Absolute, TimeSpan? Sliding, DateTimeOffset LastAccess)
    {
        public DateTimeOffset? ExpiresAt =>
            Sliding is { } sliding
                ? (Absolute is { } absolute && absolute < LastAccess + sliding ? absolute : LastAccess + sliding)
                : Absolute;

        public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;
    }
}
