using HttpCaching.PostgreSql.Tests;

[assembly: AssemblyFixture(typeof(PostgreSqlServerFixture))]

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server every test of the assembly shares: the one named by the <c>HTTPCACHING_POSTGRES</c>
/// environment variable (a connection string), else a throwaway cluster started from the local binaries once for the
/// whole run. Tests isolate themselves with tables and schemas of their own.
/// </summary>
public sealed class PostgreSqlServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = PostgreSqlBinaries.ExternalServerVariable;

    private PostgreSqlBinaries? _binaries;
    private PostgreSqlServer? _server;
    private Exception? _startFailure;
    private string? _connectionString;

    /// <summary>Gets a value indicating whether a server is there to test against (or should have been).</summary>
    public bool IsAvailable { get; private set; }

    /// <summary>Gets why the PostgreSQL tests are skipped when <see cref="IsAvailable"/> is false.</summary>
    public string SkipReason { get; private set; } = string.Empty;

    /// <summary>Gets a value indicating whether the server is the external one of <see cref="EnvironmentVariable"/>.</summary>
    public bool IsExternal { get; private set; }

    public string ConnectionString
    {
        get
        {
            EnsureAvailable();
            return _connectionString!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            _connectionString = external;
            IsAvailable = IsExternal = true;
            return;
        }

        _binaries = PostgreSqlBinaries.Find(out var reason);
        if (_binaries is null)
        {
            SkipReason = reason;
            return;
        }

        // From here on the binaries are installed, so a failure to start is a failure, not a skip.
        IsAvailable = true;
        try
        {
            _server = await PostgreSqlServer.StartNewAsync(_binaries);
            _connectionString = _server.ConnectionString;
        }
        catch (Exception ex)
        {
            _startFailure = ex;
        }
    }

    /// <summary>Skips the calling test when no server can be had, and fails it when the local one did not start.</summary>
    public void EnsureAvailable()
    {
        Assert.SkipUnless(IsAvailable, SkipReason);
        if (_startFailure is not null)
        {
            throw new InvalidOperationException("The throwaway PostgreSQL server did not start.", _startFailure);
        }
    }

    /// <summary>A server of the calling test's own, for tests that stop and start it.</summary>
    public async Task<PostgreSqlServer> StartDedicatedServerAsync()
    {
        EnsureAvailable();
        Assert.SkipWhen(_binaries is null, $"Stopping and starting a server needs the local PostgreSQL binaries; {EnvironmentVariable} names an external server.");
        return await PostgreSqlServer.StartNewAsync(_binaries!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
