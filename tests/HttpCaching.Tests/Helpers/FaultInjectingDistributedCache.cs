using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>What a store operation does instead of its work.</summary>
public enum StoreFault
{
    None,
    Throw,
    Hang,
}

/// <summary>
/// A store in front of a working one whose faults a test switches per operation: each of get, set, refresh and remove
/// can work, throw at once, or hang until its caller's token is cancelled. Every call but a working remove is counted,
/// whatever it does.
/// </summary>
public sealed class FaultInjectingDistributedCache(IDistributedCache inner) : IDistributedCache
{
    private int _calls;
    private int _hangs;

    public StoreFault GetFault { get; set; }

    public StoreFault SetFault { get; set; }

    public StoreFault RefreshFault { get; set; }

    /// <summary>The fault of remove, which <see cref="AllFaults"/> leaves alone.</summary>
    public StoreFault RemoveFault { get; set; }

    /// <summary>Sets the fault of get, set and refresh at once.</summary>
    public StoreFault AllFaults
    {
        set => GetFault = SetFault = RefreshFault = value;
    }

    public int Calls => Volatile.Read(ref _calls);

    public int Hangs => Volatile.Read(ref _hangs);

    public byte[]? Get(string key) => throw new NotSupportedException("The handler uses the asynchronous API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await Misbehave(GetFault, token);
        return await inner.GetAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await Misbehave(SetFault, token);
        await inner.SetAsync(key, value, options, token);
    }

    public void Refresh(string key) => throw new NotSupportedException();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        await Misbehave(RefreshFault, token);
        await inner.RefreshAsync(key, token);
    }

    public void Remove(string key) => throw new NotSupportedException();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (RemoveFault != StoreFault.None)
        {
            await Misbehave(RemoveFault, token);
        }

        await inner.RemoveAsync(key, token);
    }

    private Task Misbehave(StoreFault fault, CancellationToken token)
    {
        Interlocked.Increment(ref _calls);
        switch (fault)
        {
            case StoreFault.Throw:
                return Task.FromException(new InvalidOperationException("The store is down."));
            case StoreFault.Hang:
                Interlocked.Increment(ref _hangs);
                return Task.Delay(Timeout.Infinite, token);
            default:
                return Task.CompletedTask;
        }
    }
}
