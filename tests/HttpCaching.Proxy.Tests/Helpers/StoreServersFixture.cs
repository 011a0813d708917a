namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>
/// A throwaway PostgreSQL and a throwaway <c>redis-server</c> (tests/Shared/PostgreSql and tests/Shared/Redis), or the
/// external ones <c>HTTPCACHING_POSTGRES</c> and <c>HTTPCACHING_REDIS</c> name, for the tests of one class. A store
/// whose binaries are missing skips its tests with the reason; one that is installed but does not start fails them.
/// </summary>
public sealed class StoreServersFixture : IAsyncLifetime
{
    private PostgreSqlServer? _postgres;
    private RedisServer? _redis;
    private string? _postgresConnection;
    private string? _redisConnection;
    private string? _postgresSkip;
    private string? _redisSkip;
    private Exception? _postgresFailure;
    private Exception? _redisFailure;

    public string PostgreSqlConnectionString
    {
        get
        {
            Assert.SkipWhen(_postgresSkip is not null, _postgresSkip ?? string.Empty);
            return _postgresFailure is null ? _postgresConnection! : throw new InvalidOperationException("The throwaway PostgreSQL did not start.", _postgresFailure);
        }
    }

    public string RedisConnectionString
    {
        get
        {
            Assert.SkipWhen(_redisSkip is not null, _redisSkip ?? string.Empty);
            return _redisFailure is null ? _redisConnection! : throw new InvalidOperationException("The throwaway redis-server did not start.", _redisFailure);
        }
    }

    public async ValueTask InitializeAsync() => await Task.WhenAll(StartPostgreSqlAsync(), StartRedisAsync());

    private async Task StartPostgreSqlAsync()
    {
        if (PostgreSqlBinaries.ExternalServer is { } external)
        {
            _postgresConnection = external;
            return;
        }

        if (PostgreSqlBinaries.Find(out var reason) is not { } binaries)
        {
            _postgresSkip = reason;
            return;
        }

        try
        {
            _postgres = await PostgreSqlServer.StartNewAsync(binaries);
            _postgresConnection = _postgres.ConnectionString;
        }
        catch (Exception ex)
        {
            _postgresFailure = ex;
        }
    }

    private async Task StartRedisAsync()
    {
        if (RedisBinaries.ExternalServer is { } external)
        {
            _redisConnection = external;
            return;
        }

        if (RedisBinaries.Find(out var reason) is not { } binaries)
        {
            _redisSkip = reason;
            return;
        }

        try
        {
            _redis = await RedisServer.StartNewAsync(binaries);
            _redisConnection = _redis.Endpoint;
        }
        catch (Exception ex)
        {
            _redisFailure = ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
