using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The contract, buffer members included, against the PostgreSQL store in a table of each test's own.</summary>
public sealed class PostgreSqlCacheContractTests : BufferDistributedCacheContractTests
{
    private readonly PostgreSqlServerFixture _server;
    private readonly PostgreSqlStores _stores;

    public PostgreSqlCacheContractTests(PostgreSqlServerFixture server)
    {
        _server = server;
        _stores = new PostgreSqlStores(() => server.ConnectionString);
    }

    protected override IDistributedCache CreateCache(TimeProvider time)
    {
        _server.EnsureAvailable();
        return _stores.Create(time);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DisposeAsync();
    }
}
