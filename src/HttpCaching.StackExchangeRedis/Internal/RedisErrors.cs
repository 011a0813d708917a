using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// Turns what StackExchange.Redis throws into a <see cref="RedisStoreException"/> that can be logged anywhere.
/// </summary>
/// <remarks>
/// StackExchange.Redis puts keys into its exceptions: the message of a connection failure or a timeout names the command
/// with its key (<c>HMGET user:42</c>), and the keys of other commands in flight; <see cref="Exception.Data"/> holds them
/// again. A server error is the server's own text, which for some errors echoes the arguments, truncated
/// (<c>ERR unknown command 'x', with args beginning with: 'user:4…'</c>), so replacing the key cannot be enough. The new
/// exception is therefore built from safe parts only: the kind of failure, StackExchange.Redis's structured fields
/// (failure type, command status), the server's error code and wording with every quoted argument and echoed argument
/// list cut out, and the key's hash. The original is dropped, not kept as the inner exception.
/// </remarks>
internal static partial class RedisErrors
{
    /// <summary>Whether <paramref name="exception"/> goes to the caller as it is: it carries no key.</summary>
    public static bool PassesThrough(Exception exception) =>
        exception is OperationCanceledException or ArgumentException or ObjectDisposedException or RedisStoreException;

    public static RedisStoreException Sanitise(Exception exception, string operation, string key)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var hash = KeyHash.Of(key);
        var (failure, reason) = Describe(exception);

        // Built from safe parts; should a server ever echo the key whole and unquoted, it becomes the hash too.
        if (key.Length > 0)
        {
            reason = reason.Replace(key, hash, StringComparison.Ordinal);
        }

        return new RedisStoreException($"Redis {operation} of key {hash} failed: {reason}", failure);
    }

    /// <summary>The kind of failure and a description of it with no key in it.</summary>
    public static (RedisStoreFailure Failure, string Reason) Describe(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => (RedisStoreFailure.Timeout, $"the server did not answer in time ({nameof(RedisTimeoutException)}, command status {timeout.Commandstatus})."),
        RedisConnectionException connection => (
            connection.FailureType is ConnectionFailureType.AuthenticationFailure ? RedisStoreFailure.PermissionDenied : RedisStoreFailure.Connection,
            $"no connection to the server ({nameof(RedisConnectionException)}, {connection.FailureType}, command status {connection.CommandStatus})."),
        RedisServerException server when IsPermissionDenied(server.Message) => (RedisStoreFailure.PermissionDenied, $"the server refused it: {ServerText(server.Message)}"),
        RedisServerException server => (RedisStoreFailure.Server, $"the server refused it: {ServerText(server.Message)}"),
        RedisCommandException => (RedisStoreFailure.Other, $"StackExchange.Redis refused the command ({nameof(RedisCommandException)})."),
        TimeoutException => (RedisStoreFailure.Timeout, $"the server did not answer in time ({exception.GetType().Name})."),
        _ => (RedisStoreFailure.Other, $"{exception.GetType().Name}."),
    };

    /// <summary>Whether a server error is an ACL refusal: <c>NOPERM</c>, or credentials refused (<c>WRONGPASS</c>, <c>NOAUTH</c>).</summary>
    public static bool IsPermissionDenied(string serverMessage) =>
        serverMessage.StartsWith("NOPERM", StringComparison.Ordinal)
        || serverMessage.StartsWith("WRONGPASS", StringComparison.Ordinal)
        || serverMessage.StartsWith("NOAUTH", StringComparison.Ordinal);

    /// <summary>
    /// The server's error with everything that could be an argument removed: an echoed argument list is cut off, and a
    /// quoted word stays only when it is a plain command name followed by "command" (<c>the 'hset' command</c>,
    /// <c>the 'config|get' command</c>).
    /// </summary>
    public static string ServerText(string serverMessage)
    {
        var text = serverMessage;
        var echoed = text.IndexOf(", with args beginning with", StringComparison.OrdinalIgnoreCase);
        if (echoed >= 0)
        {
            text = text[..echoed] + ", with arguments (not shown)";
        }

        text = Quoted().Replace(text, static match =>
            match.Groups[2].Success && CommandName().IsMatch(match.Groups[1].Value) ? match.Value : "'…'" + match.Groups[2].Value);

        // Whatever is left, never more than a line of printable text.
        var builder = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text)
        {
            if (builder.Length == 200)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().TrimEnd('.', ' ') + ".";
    }

    [GeneratedRegex("'([^']*)'?( command)?", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    [GeneratedRegex("^[A-Za-z][A-Za-z_|-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommandName();
}
