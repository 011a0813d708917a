using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HttpCaching.PostgreSql.Benchmarks;

/// <summary>
/// A throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only (and a Unix socket in its own
/// directory), with trust authentication and fsync off. Disposing it stops the server and deletes the directory.
/// Adapted from the test helper of the same name: benchmarks do not reference test projects.
/// </summary>
public sealed class PostgreSqlServer : IAsyncDisposable
{
    private readonly PostgreSqlBinaries _binaries;
    private readonly string _root;

    private PostgreSqlServer(PostgreSqlBinaries binaries, string root)
    {
        _binaries = binaries;
        _root = root;
    }

    public int Port { get; private set; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>A connection string to the <c>postgres</c> database as the <c>postgres</c> superuser, over TCP.</summary>
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
        var root = Directory.CreateTempSubdirectory("httpcaching-pg-bench-").FullName;
        var server = new PostgreSqlServer(binaries, root);
        try
        {
            if (binaries.RunAsUser is { } user)
            {
                await ProcessRunner.RunCheckedAsync(null, "chown", user, root).ConfigureAwait(false);
            }

            await ProcessRunner.RunCheckedAsync(
                binaries.RunAsUser, binaries.InitDb,
                "-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
                .ConfigureAwait(false);

            // The port is free when picked but could be taken before the server binds it: try a few.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                var (exitCode, output) = await server.PgCtlStartAsync().ConfigureAwait(false);
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
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server (<c>pg_ctl stop</c>, else by the postmaster's PID) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                var (exitCode, _) = await ProcessRunner.RunAsync(_binaries.RunAsUser, _binaries.PgCtl, "-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop")
                    .ConfigureAwait(false);
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

    private Task<(int ExitCode, string Output)> PgCtlStartAsync() => ProcessRunner.RunAsync(
        _binaries.RunAsUser, _binaries.PgCtl,
        "-D", DataDirectory,
        "-l", Path.Combine(_root, "server.log"),
        "-o", $"-k {_root} -h 127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -F",
        "-w", "-t", "60",
        "start");

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
