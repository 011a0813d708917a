using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// Wraps a store and records every call that reaches it, with its key, so a test can tell which records an
/// application instance read from (or wrote to) the shared store and which it served from memory.
/// </summary>
public sealed class CountingDistributedCache(IDistributedCache inner) : IDistributedCache
{
    private readonly ConcurrentQueue<StoreCall> _calls = new();

    /// <summary>Gets every call since the last <see cref="Clear"/>, in order.</summary>
    public IReadOnlyList<StoreCall> Calls => [.. _calls];

    /// <summary>Gets the keys read since the last <see cref="Clear"/>.</summary>
    public IReadOnlyList<string> Reads => [.. _calls.Where(c => c.Operation == "get").Select(c => c.Key)];

    public void Clear() => _calls.Clear();

    public byte[]? Get(string key)
    {
        _calls.Enqueue(new("get", key));
        return inner.Get(key);
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        _calls.Enqueue(new("get", key));
        return inner.GetAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        _calls.Enqueue(new("set", key));
        inner.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        _calls.Enqueue(new("set", key));
        return inner.SetAsync(key, value, options, token);
    }

    public void Refresh(string key)
    {
        _calls.Enqueue(new("refresh", key));
        inner.Refresh(key);
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        _calls.Enqueue(new("refresh", key));
        return inner.RefreshAsync(key, token);
    }

    public void Remove(string key)
    {
        _calls.Enqueue(new("remove", key));
        inner.Remove(key);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        _calls.Enqueue(new("remove", key));
        return inner.RemoveAsync(key, token);
    }

    public sealed record StoreCall(string Operation, string Key);
}
