namespace HttpCaching.Testing;

/// <summary>
/// Where <c>initdb</c> and <c>pg_ctl</c> are, and which user runs them: PostgreSQL refuses to run as root, so a root
/// test or benchmark run uses the <c>postgres</c> user that the Debian package creates.
/// </summary>
public sealed record PostgreSqlBinaries(string BinDirectory, string? RunAsUser)
{
    public const string ServiceUser = "postgres";

    /// <summary>A connection string to an existing server to use instead of a throwaway one.</summary>
    public const string ExternalServerVariable = "HTTPCACHING_POSTGRES";

    /// <summary>The connection string of <see cref="ExternalServerVariable"/>, when it is set.</summary>
    public static string? ExternalServer =>
        Environment.GetEnvironmentVariable(ExternalServerVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Whether a server can be had: an external one, or local binaries to start one with.</summary>
    public static bool IsServerAvailable(out string reason)
    {
        if (ExternalServer is not null)
        {
            reason = string.Empty;
            return true;
        }

        return Find(out reason) is not null;
    }

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>Finds the binaries on PATH, else under <c>/usr/lib/postgresql/*/bin</c> (newest first).</summary>
    public static PostgreSqlBinaries? Find(out string skipReason)
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                    .Select(d => Path.Combine(d, "bin"))
                : []);
        var directory = candidates.FirstOrDefault(d => Exists(Path.Combine(d, "initdb")) && Exists(Path.Combine(d, "pg_ctl")));
        if (directory is null)
        {
            skipReason = "No PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin: install the Debian "
                + $"'postgresql' package (.ci/run does), or set {ExternalServerVariable} to a connection string.";
            return null;
        }

        string? runAs = null;
        if (Environment.IsPrivilegedProcess)
        {
            if (!File.Exists("/etc/passwd") || !File.ReadLines("/etc/passwd").Any(l => l.StartsWith(ServiceUser + ":", StringComparison.Ordinal)))
            {
                skipReason = $"This runs as root, which PostgreSQL refuses, and there is no '{ServiceUser}' user to run it as "
                    + $"(the Debian 'postgresql' package creates one). Run as another user or set {ExternalServerVariable}.";
                return null;
            }

            runAs = ServiceUser;
        }

        skipReason = string.Empty;
        return new PostgreSqlBinaries(directory, runAs);
    }

    /// <summary>A file, or a link whose final target is one: a link left behind by an uninstalled package is not.</summary>
    private static bool Exists(string path)
    {
        var file = new FileInfo(path);
        return file.LinkTarget is null ? file.Exists : file.ResolveLinkTarget(returnFinalTarget: true)?.Exists == true;
    }
}
