using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// An in-memory <see cref="IDistributedCache"/> that records every operation and lets a test read, replace or corrupt
/// the raw records. Expiration follows the test's <see cref="TimeProvider"/>.
/// </summary>
public sealed class RecordingDistributedCache(TimeProvider time) : IDistributedCache
{
    private readonly ConcurrentDictionary<string, (byte[] Value, DateTimeOffset? ExpiresAt)> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Operation, string Key)> _log = new();

    public IReadOnlyList<(string Operation, string Key)> Operations => [.. _log];

    public IReadOnlyCollection<string> Keys => [.. _items.Keys];

    public int SetCount(Func<string, bool>? keyFilter = null) => Operations.Count(o => o.Operation == "set" && (keyFilter?.Invoke(o.Key) ?? true));

    public int GetCount() => Operations.Count(o => o.Operation == "get");

    public void ClearLog() => _log.Clear();

    public byte[]? Raw(string key) => _items.TryGetValue(key, out var item) ? item.Value : null;

    public void Put(string key, byte[] value) => _items[key] = (value, null);

    public DateTimeOffset? ExpiresAt(string key) => _items.TryGetValue(key, out var item) ? item.ExpiresAt : null;

    public byte[]? Get(string key)
    {
        _log.Enqueue(("get", key));
        if (!_items.TryGetValue(key, out var item))
        {
            return null;
        }

        if (item.ExpiresAt <= time.GetUtcNow())
        {
            _items.TryRemove(key, out _);
            return null;
        }

        return item.Value;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        _log.Enqueue(("set", key));
        var now = time.GetUtcNow();
        DateTimeOffset? expiresAt = options.AbsoluteExpiration
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        _items[key] = (value, expiresAt);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Set(key, value, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key) => _log.Enqueue(("refresh", key));

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
}
