using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The contract against the in-process store, whose behaviour the PostgreSQL store follows.</summary>
public sealed class MemoryDistributedCacheTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => Create(time);

    internal static IDistributedCache Create(TimeProvider time) =>
        new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new TimeProviderClock(time) }));
}

/// <summary>The expiry contract against the in-process store, on the test's clock.</summary>
public sealed class MemoryDistributedCacheExpiryTests : DistributedCacheExpiryContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) => MemoryDistributedCacheTests.Create(time);
}
