using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// What the contract suites share: the store under test (<see cref="CreateCache"/>), the clock it is given, fresh keys,
/// and disposal of the caches a test made. Subclass <see cref="DistributedCacheContractTests"/> and, for a store that
/// judges expiry by the <see cref="TimeProvider"/> it is given, <see cref="DistributedCacheExpiryContractTests"/>.
/// </summary>
public abstract class DistributedCacheTestBase : IAsyncDisposable
{
    private readonly List<IDistributedCache> _caches = [];

    /// <summary>Gets the clock given to the caches of the current test.</summary>
    protected FakeTimeProvider Time { get; } = new(TestClock.Start);

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            switch (cache)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the store under test, judging expiry by <paramref name="time"/> where it can.</summary>
    protected abstract IDistributedCache CreateCache(TimeProvider time);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };

    protected static DistributedCacheEntryOptions Sliding(TimeSpan window) => new() { SlidingExpiration = window };

    /// <summary>A key no other test uses, so the suite can share a server.</summary>
    protected static string NewKey([System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"contract:{test}:{Guid.NewGuid():N}");

    protected IDistributedCache NewCache()
    {
        var cache = CreateCache(Time);
        _caches.Add(cache);
        return cache;
    }
}
