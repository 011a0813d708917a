using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HttpCaching.Tests.Stores;

/// <summary>
/// The contract against the tests' own in-memory store: what the handler's tests see of a store is what a real one
/// does, expiry by the clock included.
/// </summary>
public sealed class RecordingDistributedCacheContractTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.Recording(time);
}

/// <summary>The expiry contract against the tests' own in-memory store, on the test's clock.</summary>
public sealed class RecordingDistributedCacheExpiryContractTests : DistributedCacheExpiryContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.Recording(time);
}

/// <summary>The contract against the recording store in front of another one: it passes every call on unchanged.</summary>
public sealed class RecordingDistributedCachePassThroughContractTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.RecordingPassThrough(time);
}

/// <summary>The expiry contract against the recording store in front of another one.</summary>
public sealed class RecordingDistributedCachePassThroughExpiryContractTests : DistributedCacheExpiryContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.RecordingPassThrough(time);
}

/// <summary>
/// The contract against the chaos store with no fault switched on and no chaos rate: until a test tells it to
/// misbehave, it is the store behind it.
/// </summary>
public sealed class ChaosDistributedCacheContractTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.Chaos(time);
}

/// <summary>The expiry contract against the chaos store with no fault switched on, over a store on the test's clock.</summary>
public sealed class ChaosDistributedCacheExpiryContractTests : DistributedCacheExpiryContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => TestStores.Chaos(time);
}

/// <summary>The test stores as the contract classes above make them.</summary>
internal static class TestStores
{
    public static IDistributedCache Recording(TimeProvider time) => new RecordingDistributedCache(time);

    public static IDistributedCache RecordingPassThrough(TimeProvider time) => new RecordingDistributedCache(new RecordingDistributedCache(time));

    public static IDistributedCache Chaos(TimeProvider time) =>
        new ChaosDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new Clock(time) })));

    /// <summary>Lets <see cref="MemoryDistributedCache"/> expire entries by the test's clock.</summary>
    private sealed class Clock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
