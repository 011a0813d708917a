namespace HttpCaching.Testing;

/// <summary>
/// Where <c>memcached</c> and <c>openssl</c> are (Debian's <c>memcached</c> and <c>openssl</c> packages), or the external
/// servers to use instead of throwaway ones.
/// </summary>
public sealed record MemcachedBinaries(string Memcached, string? OpenSsl)
{
    /// <summary>Servers (<c>host:port</c>, comma-separated) of an existing plain memcached to use instead of a throwaway one.</summary>
    public const string ExternalServerVariable = "HTTPCACHING_MEMCACHED";

    /// <summary>Why TLS cannot be tested, when <see cref="OpenSsl"/> is missing.</summary>
    public const string NoOpenSslReason = "No openssl on PATH or in /usr/bin to make the test CA and server certificate with: install the Debian 'openssl' package (.ci/run does).";

    /// <summary>The servers of <see cref="ExternalServerVariable"/>, when it is set.</summary>
    public static string? ExternalServer =>
        Environment.GetEnvironmentVariable(ExternalServerVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Finds <c>memcached</c> (required) and <c>openssl</c> (for the TLS server) on PATH, then in /usr/bin and /usr/sbin.</summary>
    public static MemcachedBinaries? Find(out string skipReason)
    {
        var server = Which("memcached");
        if (server is null)
        {
            skipReason = "No memcached on PATH or in /usr/bin: install the Debian 'memcached' package (.ci/run does), "
                + $"or set {ExternalServerVariable} to the host:port of a memcached 1.6 or newer.";
            return null;
        }

        skipReason = string.Empty;
        return new MemcachedBinaries(server, Which("openssl"));
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
