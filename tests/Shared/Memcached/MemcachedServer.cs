using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Testing;

/// <summary>
/// A throwaway <c>memcached</c> in a temporary directory, listening on 127.0.0.1 only, on a free port: plain, TLS only
/// (<c>-Z</c>, with a CA and a server certificate for 127.0.0.1 and localhost made with <c>openssl</c>), or with
/// text-protocol authentication (<c>-Y</c>, one user with a random password). memcached refuses to run as root without
/// <c>-u</c>, so a root test run starts it as <c>nobody</c>, with the directory and files readable. Stopped by its
/// process id, never by name; disposing it deletes the directory.
/// </summary>
public sealed class MemcachedServer : IAsyncDisposable
{
    public const string User = "httpcache";

    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    private readonly MemcachedBinaries _binaries;
    private readonly string _root;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private MemcachedServer(MemcachedBinaries binaries, string root, MemcachedServerKind kind, string itemSize, int memoryMegabytes)
    {
        _binaries = binaries;
        _root = root;
        Kind = kind;
        ItemSize = itemSize;
        MemoryMegabytes = memoryMegabytes;
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public MemcachedServerKind Kind { get; }

    /// <summary>The <c>-I</c> setting, for example <c>16m</c>.</summary>
    public string ItemSize { get; }

    public int MemoryMegabytes { get; }

    public int Port { get; private set; }

    /// <summary>The password of <see cref="User"/> (authenticated servers).</summary>
    public string Password { get; }

    /// <summary>The CA that issued the server's certificate (PEM; TLS servers).</summary>
    public string CaCertificatePath => Path.Combine(_root, "ca.crt");

    /// <summary>Another CA, which did not issue the server's certificate (PEM; TLS servers).</summary>
    public string OtherCaCertificatePath => Path.Combine(_root, "other-ca.crt");

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    public bool IsRunning => _process is { HasExited: false };

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

    /// <summary>Makes the certificates or the auth file, then starts the server and waits until it accepts connections.</summary>
    public static async Task<MemcachedServer> StartNewAsync(MemcachedBinaries binaries, MemcachedServerKind kind = MemcachedServerKind.Plain, string itemSize = "16m", int memoryMegabytes = 256)
    {
        if (kind == MemcachedServerKind.Tls && binaries.OpenSsl is null)
        {
            throw new InvalidOperationException(MemcachedBinaries.NoOpenSslReason);
        }

        var root = Directory.CreateTempSubdirectory("httpcaching-memcached-").FullName;
        var server = new MemcachedServer(binaries, root, kind, itemSize, memoryMegabytes);
        try
        {
            if (kind == MemcachedServerKind.Tls)
            {
                await server.MakeCertificatesAsync(binaries.OpenSsl!);
            }

            if (kind == MemcachedServerKind.Authenticated)
            {
                await File.WriteAllTextAsync(Path.Combine(root, "auth"), $"{User}:{server.Password}\n");
            }

            MakeReadable(root);

            // A port is free when picked but could be taken before the server binds it: try a few.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                try
                {
                    await server.StartAsync();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.Output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
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

    /// <summary>Starts the server (again, after <see cref="KillAsync"/>) on the same port and waits until it accepts connections.</summary>
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

        var start = new ProcessStartInfo(_binaries.Memcached)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        if (!process.Start())
        {
            throw new InvalidOperationException("memcached did not start.");
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // memcached prints nothing when it is ready: it is ready when its port accepts a connection. Waiting for an
        // external process, bounded, not a fixed delay.
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                _process = null;
                process.Dispose();
                throw new InvalidOperationException($"memcached exited while starting:{Environment.NewLine}{Output}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < StartLimit)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10));
            }
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
                process.Kill();
            }

            await process.WaitForExitAsync().WaitAsync(StartLimit);
        }
        catch (InvalidOperationException)
        {
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

    private IEnumerable<string> Arguments()
    {
        var invariant = CultureInfo.InvariantCulture;
        yield return "-l";
        yield return "127.0.0.1";
        yield return "-p";
        yield return Port.ToString(invariant);
        yield return "-U";
        yield return "0";
        yield return "-m";
        yield return MemoryMegabytes.ToString(invariant);
        yield return "-I";
        yield return ItemSize;
        yield return "-t";
        yield return "2";
        if (Environment.UserName == "root")
        {
            yield return "-u";
            yield return "nobody";
        }

        if (Kind == MemcachedServerKind.Tls)
        {
            yield return "-Z";
            yield return "-o";
            yield return $"ssl_chain_cert={Path.Combine(_root, "server.crt")},ssl_key={Path.Combine(_root, "server.key")},ssl_ca_cert={CaCertificatePath}";
        }

        if (Kind == MemcachedServerKind.Authenticated)
        {
            yield return "-Y";
            yield return Path.Combine(_root, "auth");
        }
    }

    private async Task MakeCertificatesAsync(string openssl)
    {
        string In(string name) => Path.Combine(_root, name);
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        foreach (var ca in new[] { "ca", "other-ca" })
        {
            await ProcessRunner.RunCheckedAsync(null, openssl,
                ["req", "-x509", .. ec, "-keyout", In(ca + ".key"), "-out", In(ca + ".crt"), "-days", "2", "-subj", $"/CN=HttpCaching memcached test {ca}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        }

        await ProcessRunner.RunCheckedAsync(null, openssl, ["req", "-new", .. ec, "-keyout", In("server.key"), "-out", In("server.csr"), "-subj", "/CN=localhost"]);
        await File.WriteAllLinesAsync(In("server.ext"), ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth", "basicConstraints=CA:FALSE"]);
        await ProcessRunner.RunCheckedAsync(null, openssl,
            ["x509", "-req", "-in", In("server.csr"), "-CA", In("ca.crt"), "-CAkey", In("ca.key"), "-CAcreateserial", "-out", In("server.crt"), "-days", "2", "-extfile", In("server.ext")]);
    }

    /// <summary>The server runs as <c>nobody</c> when the tests run as root: it must be able to read its files.</summary>
    private static void MakeReadable(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var file in Directory.GetFiles(root))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
