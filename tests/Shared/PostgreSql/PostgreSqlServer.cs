using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HttpCaching.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only (and a Unix socket in its own
/// directory), with trust authentication and fsync off. Disposing it stops the server and deletes the directory.
/// </summary>
public sealed class PostgreSqlServer : IAsyncDisposable
{
    private readonly PostgreSqlBinaries _binaries;
    private readonly string _root;

    private PostgreSqlServer(PostgreSqlBinaries binaries, string root, int port)
    {
        _binaries = binaries;
        _root = root;
        Port = port;
    }

    public int Port { get; private set; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>A connection string to the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
        Timeout = 10,
    }.ConnectionString;

    public static async Task<PostgreSqlServer> StartNewAsync(PostgreSqlBinaries binaries)
    {
        var root = Directory.CreateTempSubdirectory("httpcaching-pg-").FullName;
        var server = new PostgreSqlServer(binaries, root, 0);
        try
        {
            if (binaries.RunAsUser is { } user)
            {
                await ProcessRunner.RunCheckedAsync(null, "chown", user, root);
            }

            await ProcessRunner.RunCheckedAsync(
                binaries.RunAsUser, binaries.InitDb,
                "-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions");

            // The port is free when picked but could be taken before the server binds it: try a few.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                var (exitCode, output) = await server.PgCtlAsync("start");
                if (exitCode == 0)
                {
                    return server;
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException($"pg_ctl start exited with {exitCode}:{Environment.NewLine}{output}{Environment.NewLine}{server.ReadLog()}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server again on the same port and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var (exitCode, output) = await PgCtlAsync("start");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl start exited with {exitCode}:{Environment.NewLine}{output}{Environment.NewLine}{ReadLog()}");
        }
    }

    /// <summary>Stops the server at once, as a crash would (<c>-m immediate</c>), and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(_binaries.RunAsUser, _binaries.PgCtl, "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop exited with {exitCode}:{Environment.NewLine}{output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                var (exitCode, _) = await ProcessRunner.RunAsync(_binaries.RunAsUser, _binaries.PgCtl, "-D", DataDirectory, "-m", "immediate", "-w", "stop");
                if (exitCode != 0)
                {
                    KillPostmaster();
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A server that is still shutting down may hold a file for a moment; the directory is in /tmp.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private Task<(int ExitCode, string Output)> PgCtlAsync(string command) => ProcessRunner.RunAsync(
        _binaries.RunAsUser, _binaries.PgCtl,
        "-D", DataDirectory,
        "-l", Path.Combine(_root, "server.log"),
        "-o", $"-k {_root} -h 127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -F -c max_connections=200",
        "-w", "-t", "60",
        command);

    private void KillPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private string ReadLog()
    {
        var log = Path.Combine(_root, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
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
