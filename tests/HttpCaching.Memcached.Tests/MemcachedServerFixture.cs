using HttpCaching.Memcached.Tests;

[assembly: AssemblyFixture(typeof(MemcachedServerFixture))]

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// The memcached servers every test of the assembly shares: the plain one named by <c>HTTPCACHING_MEMCACHED</c>, else a
/// throwaway plain one; and, always throwaway, one with TLS and one with <c>-Y</c> authentication, started once for the
/// whole run (16 MiB items, 256 MB). Tests keep apart by keys of their own; the ones that stop a server, or need
/// another item size, start servers of their own.
/// </summary>
public sealed class MemcachedServerFixture : IAsyncLifetime
{
    private MemcachedBinaries? _binaries;
    private MemcachedServer? _plain;
    private MemcachedServer? _tls;
    private MemcachedServer? _authenticated;
    private Exception? _startFailure;
    private string? _external;

    /// <summary>Gets a value indicating whether a server is there to test against (or should have been).</summary>
    public bool IsAvailable { get; private set; }

    /// <summary>Gets why the memcached tests are skipped when <see cref="IsAvailable"/> is false.</summary>
    public string SkipReason { get; private set; } = string.Empty;

    /// <summary>The plain server's <c>host:port</c>.</summary>
    public string Endpoint
    {
        get
        {
            EnsureAvailable();
            return _external ?? _plain!.Endpoint;
        }
    }

    /// <summary>The TLS server; skips the test when there is no openssl to make certificates with.</summary>
    public MemcachedServer Tls
    {
        get
        {
            EnsureLocal();
            Assert.SkipWhen(_tls is null, MemcachedBinaries.NoOpenSslReason);
            return _tls!;
        }
    }

    /// <summary>The server with <c>-Y</c> authentication.</summary>
    public MemcachedServer Authenticated
    {
        get
        {
            EnsureLocal();
            return _authenticated!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        _external = MemcachedBinaries.ExternalServer;
        _binaries = MemcachedBinaries.Find(out var reason);
        if (_binaries is null && _external is null)
        {
            SkipReason = reason;
            return;
        }

        // From here on the binary is installed (or a server named), so a failure to start is a failure, not a skip.
        IsAvailable = true;
        if (_binaries is null)
        {
            return;
        }

        try
        {
            var starts = new List<Task<MemcachedServer>>
            {
                _external is null ? MemcachedServer.StartNewAsync(_binaries) : Task.FromResult<MemcachedServer>(null!),
                MemcachedServer.StartNewAsync(_binaries, MemcachedServerKind.Authenticated),
            };
            if (_binaries.OpenSsl is not null)
            {
                starts.Add(MemcachedServer.StartNewAsync(_binaries, MemcachedServerKind.Tls));
            }

            var servers = await Task.WhenAll(starts);
            _plain = servers[0];
            _authenticated = servers[1];
            _tls = servers.Length > 2 ? servers[2] : null;
        }
        catch (Exception ex)
        {
            _startFailure = ex;
        }
    }

    /// <summary>Skips the calling test when no server can be had, and fails it when a local one did not start.</summary>
    public void EnsureAvailable()
    {
        Assert.SkipUnless(IsAvailable, SkipReason);
        if (_startFailure is not null)
        {
            throw new InvalidOperationException("The throwaway memcached servers did not start.", _startFailure);
        }
    }

    /// <summary>Servers of the calling test's own, for tests that kill them or need another item size.</summary>
    public async Task<MemcachedServer> StartDedicatedServerAsync(MemcachedServerKind kind = MemcachedServerKind.Plain, string itemSize = "16m")
    {
        EnsureLocal();
        return await MemcachedServer.StartNewAsync(_binaries!, kind, itemSize, memoryMegabytes: 64);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in new[] { _plain, _tls, _authenticated })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private void EnsureLocal()
    {
        EnsureAvailable();
        Assert.SkipWhen(_binaries is null, $"This test needs throwaway memcached servers: no memcached binary is installed, and {MemcachedBinaries.ExternalServerVariable} names only a plain one.");
    }
}
