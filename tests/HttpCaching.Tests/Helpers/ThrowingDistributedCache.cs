using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>A store that is down: every operation throws.</summary>
public sealed class ThrowingDistributedCache : IDistributedCache
{
    public int Calls { get; private set; }

    public byte[]? Get(string key) => throw Fail();

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromException<byte[]?>(Fail());

    public void Refresh(string key) => throw Fail();

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.FromException(Fail());

    public void Remove(string key) => throw Fail();

    public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromException(Fail());

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw Fail();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.FromException(Fail());

    private InvalidOperationException Fail()
    {
        Calls++;
        return new InvalidOperationException("The store is down.");
    }
}
