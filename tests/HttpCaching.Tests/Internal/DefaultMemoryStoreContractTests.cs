using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Internal;

/// <summary>The contract against the library's own in-memory store, used when the application registers no store.</summary>
public sealed class DefaultMemoryStoreContractTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => Create(time);

    internal static IDistributedCache Create(TimeProvider time) => new HttpCaching.Internal.DefaultMemoryStore(128 * 1024 * 1024, time);
}

/// <summary>The expiry contract against the library's own in-memory store, on the test's clock.</summary>
public sealed class DefaultMemoryStoreExpiryContractTests : DistributedCacheExpiryContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => DefaultMemoryStoreContractTests.Create(time);
}
