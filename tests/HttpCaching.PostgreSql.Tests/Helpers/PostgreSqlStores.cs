using HttpCaching.PostgreSql.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// Builds PostgreSQL stores the way applications do (a service provider with <c>AddPostgreSqlHttpCache</c>), each in a
/// table of the test's own, with every log entry collected; disposes the providers at the end of the test.
/// </summary>
public sealed class PostgreSqlStores(Func<string> connectionString) : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>Gets the table the stores use unless a test configures another.</summary>
    public string TableName { get; } = "t_" + Guid.NewGuid().ToString("N");

    public FakeLogCollector Logs { get; } = new();

    public string ConnectionString => connectionString();

    /// <param name="time">The clock the store judges expiry by.</param>
    /// <param name="configure">Sets the store's options after the connection string and table.</param>
    /// <param name="connection">Another connection string than the server's.</param>
    /// <param name="metrics">
    /// Registers an <c>IMeterFactory</c> (<c>AddMetrics()</c>), so the store's meter is this provider's own and a
    /// <c>MetricCollector</c> scoped to the factory sees no other store's instruments.
    /// </param>
    public ServiceProvider CreateProvider(TimeProvider time, Action<PostgreSqlHttpCacheOptions>? configure = null, string? connection = null, bool metrics = false)
    {
        var cs = connection ?? ConnectionString;
        var services = new ServiceCollection()
            .AddSingleton(time)
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Trace));
        if (metrics)
        {
            services.AddMetrics();
        }

        services
            .AddPostgreSqlHttpCache(options =>
            {
                options.ConnectionString = cs;
                options.TableName = TableName;
                configure?.Invoke(options);
            });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _providers.Add(provider);
        return provider;
    }

    public IDistributedCache Create(TimeProvider time, Action<PostgreSqlHttpCacheOptions>? configure = null, string? connection = null) =>
        CreateProvider(time, configure, connection).GetRequiredService<IDistributedCache>();

    internal PostgreSqlCacheStore CreateStore(TimeProvider time, Action<PostgreSqlHttpCacheOptions>? configure = null, string? connection = null) =>
        Assert.IsType<PostgreSqlCacheStore>(Create(time, configure, connection));

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var result = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return result is null or DBNull ? default : (T)result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
