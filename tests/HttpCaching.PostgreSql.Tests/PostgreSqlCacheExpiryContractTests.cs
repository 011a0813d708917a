using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The expiry contract, buffer members included, against the PostgreSQL store: it judges expiry by the application's
/// <see cref="TimeProvider"/>, so the test's fake clock moves it.
/// </summary>
public sealed class PostgreSqlCacheExpiryContractTests(PostgreSqlServerFixture server) : BufferDistributedCacheExpiryContractTests
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
