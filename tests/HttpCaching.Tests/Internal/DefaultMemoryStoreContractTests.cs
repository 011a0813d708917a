using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Internal;

/// <summary>The contract against the library's own in-memory store, used when the application registers no store.</summary>
public sealed class DefaultMemoryStoreContractTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) =>
        new HttpCaching.Internal.DefaultMemoryStore(128 * 1024 * 1024, time);
}
