using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The contract, buffer members included, against the PostgreSQL store in a table of each test's own.</summary>
public sealed class PostgreSqlCacheContractTests(PostgreSqlServerFixture server) : BufferDistributedCacheContractTests
{
    private readonly PostgreSqlStores _stores = new(() => server.ConnectionString);

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        server.EnsureAvailable();
        return _stores.Create(time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}
