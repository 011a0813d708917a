using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Testing;

/// <summary>
/// A throwaway <c>redis-server</c> in a temporary directory: no persistence (<c>save ""</c>, <c>appendonly no</c>),
/// listening on 127.0.0.1 only, on a free port, and, when <c>openssl</c> is there, on a TLS port too, with a CA and a
/// server certificate (for 127.0.0.1 and localhost) made for it. It has the ACL users of <see cref="RedisTestUsers"/>,
/// each with a password of its own. Stopped by its process id, never by name; disposing it deletes the directory.
/// Unlike PostgreSQL, redis-server runs as root without complaint, so a root test run needs no other user.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    private readonly RedisBinaries _binaries;
    private readonly string _root;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(RedisBinaries binaries, string root, string maxMemory, string maxMemoryPolicy)
    {
        _binaries = binaries;
        _root = root;
        MaxMemory = maxMemory;
        MaxMemoryPolicy = maxMemoryPolicy;
        Passwords = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RedisTestUsers.Cache] = NewPassword(),
            [RedisTestUsers.OtherPrefix] = NewPassword(),
            [RedisTestUsers.NoConfig] = NewPassword(),
        };
    }

    public int Port { get; private set; }

    /// <summary>The TLS port, or 0 when there is no <c>openssl</c> to make certificates with.</summary>
    public int TlsPort { get; private set; }

    public bool HasTls => TlsPort != 0;

    public string MaxMemory { get; }

    public string MaxMemoryPolicy { get; }

    /// <summary>The CA that issued the server's certificate (PEM).</summary>
    public string CaCertificatePath => Path.Combine(_root, "ca.crt");

    /// <summary>Another CA, which did not issue the server's certificate (PEM).</summary>
    public string OtherCaCertificatePath => Path.Combine(_root, "other-ca.crt");

    /// <summary>Each ACL user's password.</summary>
    public IReadOnlyDictionary<string, string> Passwords { get; }

    /// <summary>The id of the running server process.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>The plain port, as the <c>default</c> user (everything allowed, no password).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port},allowAdmin=true");

    /// <summary>The plain port, with nothing else: for stores, which set what they need themselves.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>The TLS port, with <c>ssl=true</c>.</summary>
    public string TlsEndpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{TlsPort},ssl=true");

    /// <summary>What the server printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Makes the certificates and the configuration, then starts the server and waits until it accepts connections.</summary>
    public static async Task<RedisServer> StartNewAsync(RedisBinaries binaries, string maxMemory = "256mb", string maxMemoryPolicy = "allkeys-lru")
    {
        var root = Directory.CreateTempSubdirectory("httpcaching-redis-").FullName;
        var server = new RedisServer(binaries, root, maxMemory, maxMemoryPolicy);
        try
        {
            if (binaries.OpenSsl is not null)
            {
                await server.MakeCertificatesAsync(binaries.OpenSsl);
            }

            // A port is free when picked but could be taken before the server binds it: try a few.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                server.TlsPort = binaries.OpenSsl is null ? 0 : FreePort();
                server.WriteConfiguration();
                try
                {
                    await server.StartAsync();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.Output.Contains("Address already in use", StringComparison.Ordinal))
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again, after <see cref="KillAsync"/>) on the same ports and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The server is running.");
        }

        lock (_output)
        {
            _output.Clear();
        }

        var start = new ProcessStartInfo(_binaries.RedisServer)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        start.ArgumentList.Add(Path.Combine(_root, "redis.conf"));

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited while starting."));
        if (!process.Start())
        {
            throw new InvalidOperationException("redis-server did not start.");
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Waiting for an external process: its own "ready" line, not a fixed delay.
        try
        {
            await ready.Task.WaitAsync(StartLimit);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            await KillAsync();
            throw new InvalidOperationException($"redis-server did not become ready: {ex.Message}{Environment.NewLine}{Output}", ex);
        }
    }

    /// <summary>Kills the server as a crash would (SIGKILL, by its process id) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                // Process.Kill sends SIGKILL to this process id: kill -9 <pid>.
                process.Kill();
            }

            await process.WaitForExitAsync().WaitAsync(StartLimit);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        finally
        {
            process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void WriteConfiguration()
    {
        var invariant = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(invariant, $"port {Port}"),
            "bind 127.0.0.1",
            "save \"\"",
            "appendonly no",
            $"dir {_root}",
            "daemonize no",
            "logfile \"\"",
            $"maxmemory {MaxMemory}",
            $"maxmemory-policy {MaxMemoryPolicy}",
            "user default on nopass ~* &* +@all",
            $"user {RedisTestUsers.Cache} on >{Passwords[RedisTestUsers.Cache]} ~{RedisTestUsers.Prefix}* &* {RedisTestUsers.CacheRules}",
            $"user {RedisTestUsers.OtherPrefix} on >{Passwords[RedisTestUsers.OtherPrefix]} ~elsewhere:* &* {RedisTestUsers.CacheRules}",
            $"user {RedisTestUsers.NoConfig} on >{Passwords[RedisTestUsers.NoConfig]} ~{RedisTestUsers.Prefix}* &* {RedisTestUsers.CacheRules} -info -config",
        };
        if (TlsPort != 0)
        {
            lines.Add(string.Create(invariant, $"tls-port {TlsPort}"));
            lines.Add($"tls-cert-file {Path.Combine(_root, "server.crt")}");
            lines.Add($"tls-key-file {Path.Combine(_root, "server.key")}");
            lines.Add($"tls-ca-cert-file {CaCertificatePath}");
            lines.Add("tls-auth-clients no");
        }

        File.WriteAllLines(Path.Combine(_root, "redis.conf"), lines);
    }

    private async Task MakeCertificatesAsync(string openssl)
    {
        string In(string name) => Path.Combine(_root, name);
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        foreach (var ca in new[] { "ca", "other-ca" })
        {
            await ProcessRunner.RunCheckedAsync(null, openssl,
                ["req", "-x509", .. ec, "-keyout", In(ca + ".key"), "-out", In(ca + ".crt"), "-days", "2", "-subj", $"/CN=HttpCaching test {ca}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        }

        await ProcessRunner.RunCheckedAsync(null, openssl, ["req", "-new", .. ec, "-keyout", In("server.key"), "-out", In("server.csr"), "-subj", "/CN=localhost"]);
        await File.WriteAllLinesAsync(In("server.ext"), ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth", "basicConstraints=CA:FALSE"]);
        await ProcessRunner.RunCheckedAsync(null, openssl,
            ["x509", "-req", "-in", In("server.csr"), "-CA", In("ca.crt"), "-CAkey", In("ca.key"), "-CAcreateserial", "-out", In("server.crt"), "-days", "2", "-extfile", In("server.ext")]);
    }

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
