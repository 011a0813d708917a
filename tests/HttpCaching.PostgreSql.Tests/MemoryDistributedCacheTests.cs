using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The contract against the in-process store, whose behaviour the PostgreSQL store follows.</summary>
public sealed class MemoryDistributedCacheTests : DistributedCacheContractTests
{
    protected override IDistributedCache CreateCache(TimeProvider time) =>
        new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new TimeProviderClock(time) }));
}
