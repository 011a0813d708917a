namespace HttpCaching.Testing;

/// <summary>
/// Where <c>redis-server</c> and <c>openssl</c> are (Debian's <c>redis-server</c> and <c>openssl</c> packages), or the
/// external server to use instead of a throwaway one.
/// </summary>
public sealed record RedisBinaries(string RedisServer, string? OpenSsl)
{
    /// <summary>A StackExchange.Redis configuration string of an existing server to use instead of a throwaway one.</summary>
    public const string ExternalServerVariable = "HTTPCACHING_REDIS";

    /// <summary>The configuration string of <see cref="ExternalServerVariable"/>, when it is set.</summary>
    public static string? ExternalServer =>
        Environment.GetEnvironmentVariable(ExternalServerVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Finds <c>redis-server</c> (required) and <c>openssl</c> (for the TLS port) on PATH, then in /usr/bin and /usr/sbin.</summary>
    public static RedisBinaries? Find(out string skipReason)
    {
        var server = Which("redis-server");
        if (server is null)
        {
            skipReason = "No redis-server on PATH or in /usr/bin: install the Debian 'redis-server' package (.ci/run does), "
                + $"or set {ExternalServerVariable} to a StackExchange.Redis configuration string.";
            return null;
        }

        skipReason = string.Empty;
        return new RedisBinaries(server, Which("openssl"));
    }

    /// <summary>Why TLS cannot be tested, when <see cref="OpenSsl"/> is missing.</summary>
    public const string NoOpenSslReason = "No openssl on PATH or in /usr/bin to make the test CA and server certificate with: install the Debian 'openssl' package (.ci/run does).";

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
