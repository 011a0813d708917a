using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Demo;

/// <summary>
/// The application's <see cref="IDistributedCache"/>: a decorator that remembers which keys were written, so the demo
/// can count the body versions (<c>{prefix}{client}:b:{hash}:{version}</c>) and entry records
/// (<c>{prefix}{client}:e:{hash}</c>) each client stored. In production this would wrap Redis, SQL Server, etc.
/// </summary>
public sealed class CountingDistributedCache(IDistributedCache inner) : IDistributedCache
{
    private readonly ConcurrentDictionary<string, int> _writesByKey = new(StringComparer.Ordinal);

    /// <summary>The number of distinct keys starting with <paramref name="keyStart"/> that were written.</summary>
    public int DistinctKeysWritten(string keyStart) =>
        _writesByKey.Keys.Count(key => key.StartsWith(keyStart, StringComparison.Ordinal));

    /// <summary>The number of writes to keys starting with <paramref name="keyStart"/>, rewrites included.</summary>
    public int Writes(string keyStart) =>
        _writesByKey.Where(pair => pair.Key.StartsWith(keyStart, StringComparison.Ordinal)).Sum(pair => pair.Value);

    public byte[]? Get(string key) => inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        inner.Set(key, value, options);
        Record(key);
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await inner.SetAsync(key, value, options, token);
        Record(key);
    }

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    private void Record(string key) => _writesByKey.AddOrUpdate(key, 1, static (_, count) => count + 1);
}
