using HttpCaching.StackExchangeRedis.Tests;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(RedisServerFixture))]

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// The Redis every test of the assembly shares: the one named by <c>HTTPCACHING_REDIS</c> (a StackExchange.Redis
/// configuration string), else a throwaway <c>redis-server</c> started once for the whole run (256 MB,
/// <c>allkeys-lru</c>, TLS, the users of <see cref="RedisTestUsers"/>). Tests keep apart by keys of their own; the ones
/// that stop, reconfigure or need a particular policy start a server of their own.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = RedisBinaries.ExternalServerVariable;

    private RedisBinaries? _binaries;
    private RedisServer? _server;
    private Exception? _startFailure;
    private string? _external;

    /// <summary>Gets a value indicating whether a server is there to test against (or should have been).</summary>
    public bool IsAvailable { get; private set; }

    /// <summary>Gets why the Redis tests are skipped when <see cref="IsAvailable"/> is false.</summary>
    public string SkipReason { get; private set; } = string.Empty;

    /// <summary>The shared server's plain endpoint, for stores: <c>127.0.0.1:port</c>, or the external configuration.</summary>
    public string Endpoint
    {
        get
        {
            EnsureAvailable();
            return _external ?? _server!.Endpoint;
        }
    }

    /// <summary>An admin configuration string for the test's own checks (DBSIZE, CONFIG SET, SCAN).</summary>
    public string AdminConnectionString
    {
        get
        {
            EnsureAvailable();
            return _external is null ? _server!.ConnectionString : _external + ",allowAdmin=true";
        }
    }

    /// <summary>The local server, for tests about TLS and ACL users; skips the test when the server is external.</summary>
    public RedisServer Local
    {
        get
        {
            EnsureAvailable();
            Assert.SkipWhen(_server is null, $"This test needs the throwaway server's TLS port and ACL users; {EnvironmentVariable} names an external server.");
            return _server!;
        }
    }

    /// <summary>The local server with its TLS port; skips the test when there is no openssl to make certificates with.</summary>
    public RedisServer LocalWithTls
    {
        get
        {
            var server = Local;
            Assert.SkipUnless(server.HasTls, RedisBinaries.NoOpenSslReason);
            return server;
        }
    }

    public async ValueTask InitializeAsync()
    {
        _external = RedisBinaries.ExternalServer;
        if (_external is not null)
        {
            IsAvailable = true;
            return;
        }

        _binaries = RedisBinaries.Find(out var reason);
        if (_binaries is null)
        {
            SkipReason = reason;
            return;
        }

        // From here on the binary is installed, so a failure to start is a failure, not a skip.
        IsAvailable = true;
        try
        {
            _server = await RedisServer.StartNewAsync(_binaries);
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
            throw new InvalidOperationException("The throwaway redis-server did not start.", _startFailure);
        }
    }

    /// <summary>A server of the calling test's own, for tests that kill it or need another memory policy.</summary>
    public async Task<RedisServer> StartDedicatedServerAsync(string maxMemory = "64mb", string maxMemoryPolicy = "allkeys-lru")
    {
        EnsureAvailable();
        Assert.SkipWhen(_binaries is null, $"This test needs a redis-server of its own; {EnvironmentVariable} names an external server.");
        return await RedisServer.StartNewAsync(_binaries!, maxMemory, maxMemoryPolicy);
    }

    /// <summary>A connection for the test's own checks, as an admin.</summary>
    public static Task<ConnectionMultiplexer> ConnectAdminAsync(string configuration) => ConnectionMultiplexer.ConnectAsync(configuration);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
