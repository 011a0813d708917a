using Microsoft.Extensions.Logging;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Every message of the memcached store, under <see cref="MemcachedHttpCacheDiagnostics.LoggerCategory"/>, with the
/// event ids of <see cref="MemcachedHttpCacheDiagnostics"/>. No message carries a key, a value or a password.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(MemcachedHttpCacheDiagnostics.ItemTooLargeEventId, LogLevel.Warning,
        "{Store}: memcached server {Server} does not take a value of {Size} bytes: it is larger than the server's item size limit ({Limit}). "
        + "Such responses are not cached (each write is reported as not stored). Start memcached with -I (--max-item-size) at least the "
        + "MaxBodySize of the cached clients plus a few KiB for headers (MaxBodySize is 8 MiB by default), or lower MaxBodySize below the limit.",
        EventName = "MemcachedItemTooLarge")]
    public static partial void ItemTooLarge(ILogger logger, string store, string server, long size, string limit);

    [LoggerMessage(MemcachedHttpCacheDiagnostics.ItemSizeLimitEventId, LogLevel.Debug,
        "{Store}: memcached server {Server} has an item size limit (item_size_max, -I) of {Limit} bytes.",
        EventName = "MemcachedItemSizeLimit")]
    public static partial void ItemSizeLimit(ILogger logger, string store, string server, long limit);

    [LoggerMessage(
        EventId = MemcachedHttpCacheDiagnostics.ServerDownEventId,
        Message = "{Store}: memcached server {Server} failed ({Reason}); it is skipped for {SkippedFor} and its keys go to the other servers, if any, as copies for this outage.",
        EventName = "MemcachedServerDown")]
    public static partial void ServerDown(ILogger logger, LogLevel level, string store, string server, string reason, TimeSpan skippedFor);

    [LoggerMessage(MemcachedHttpCacheDiagnostics.ServerRestoredEventId, LogLevel.Information,
        "{Store}: memcached server {Server} answers again; its keys are back on it.",
        EventName = "MemcachedServerRestored")]
    public static partial void ServerRestored(ILogger logger, string store, string server);

    [LoggerMessage(MemcachedHttpCacheDiagnostics.ServerFlushedEventId, LogLevel.Warning,
        "{Store}: memcached server {Server} is back after more than {Remembered} of its keys were written or removed on other servers while it was down; "
        + "it was flushed, so that no value it kept through the outage is read as current.",
        EventName = "MemcachedServerFlushed")]
    public static partial void ServerFlushed(ILogger logger, string store, string server, int remembered);

    [LoggerMessage(MemcachedHttpCacheDiagnostics.AuthenticationFailedEventId, LogLevel.Error,
        "{Store}: {Reason} The store's operations on that server fail and requests go to the origin. Check Username and Password against the server's -Y auth file.",
        EventName = "MemcachedAuthenticationFailed")]
    public static partial void AuthenticationFailed(ILogger logger, string store, string reason);

    [LoggerMessage(MemcachedHttpCacheDiagnostics.ProtocolViolationEventId, LogLevel.Error,
        "{Store}: memcached server {Server} sent a reply the store cannot trust: {Reason} The connection was closed and nothing of the reply was used. "
        + "Is it memcached 1.6 or newer, and does another client write under the store's keys (KeyPrefix)?",
        EventName = "MemcachedProtocolViolation")]
    public static partial void ProtocolViolation(ILogger logger, string store, string server, string reason);
}
