using Microsoft.Extensions.Logging;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// Every message of the Redis store, under <see cref="RedisHttpCacheDiagnostics.LoggerCategory"/>, with the event ids of
/// <see cref="RedisHttpCacheDiagnostics"/>. No message carries a key, a value, an exception of StackExchange.Redis (their
/// messages carry keys), the configuration string or a password.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(RedisHttpCacheDiagnostics.CannotEvictEventId, LogLevel.Error,
        "{Store}: Redis server {Endpoint} cannot evict ({Setting}): once it is full it refuses every write, other applications' on the same server included. "
        + "The store does not write values to it (reads still work; each write fails as not stored). Set maxmemory and maxmemory-policy allkeys-lru, "
        + "on a Redis of the cache's own, or set AllowNoEviction to write anyway.",
        EventName = "RedisCannotEvict")]
    public static partial void CannotEvict(ILogger logger, string store, string endpoint, string setting);

    [LoggerMessage(RedisHttpCacheDiagnostics.CannotEvictAllowedEventId, LogLevel.Warning,
        "{Store}: Redis server {Endpoint} cannot evict ({Setting}): once it is full it refuses every write. The store writes to it anyway because AllowNoEviction is set.",
        EventName = "RedisCannotEvictAllowed")]
    public static partial void CannotEvictAllowed(ILogger logger, string store, string endpoint, string setting);

    [LoggerMessage(RedisHttpCacheDiagnostics.MemoryPolicyUnreadableEventId, LogLevel.Warning,
        "{Store}: the memory policy of Redis server {Endpoint} cannot be read: user {User} may not run CONFIG GET or INFO ({Reason}). "
        + "The store writes without knowing it; make sure the server has maxmemory set and an evicting maxmemory-policy such as allkeys-lru.",
        EventName = "RedisMemoryPolicyUnreadable")]
    public static partial void MemoryPolicyUnreadable(ILogger logger, string store, string endpoint, string user, string reason);

    [LoggerMessage(RedisHttpCacheDiagnostics.MemoryPolicyCheckedEventId, LogLevel.Debug,
        "{Store}: Redis server {Endpoint} has maxmemory {MaxMemory} and maxmemory-policy {Policy}; the store writes to it.",
        EventName = "RedisMemoryPolicyChecked")]
    public static partial void MemoryPolicyChecked(ILogger logger, string store, string endpoint, long maxMemory, string policy);

    [LoggerMessage(RedisHttpCacheDiagnostics.WritesResumedEventId, LogLevel.Information,
        "{Store}: Redis server {Endpoint} can evict now (maxmemory {MaxMemory}, maxmemory-policy {Policy}); the store writes to it again.",
        EventName = "RedisWritesResumed")]
    public static partial void WritesResumed(ILogger logger, string store, string endpoint, long maxMemory, string policy);

    [LoggerMessage(RedisHttpCacheDiagnostics.PermissionDeniedEventId, LogLevel.Error,
        "{Store}: the Redis server refuses {What} to user {User}: {Reason} The store's operations fail and requests go to the origin. "
        + "Give the user the store's keys ({KeyPattern}) and the commands of a cache (for example ~httpcaching:* &* -@all +@read +@write +@keyspace +@transaction +@connection -@dangerous +info +config|get +@pubsub +eval +evalsha).",
        EventName = "RedisPermissionDenied")]
    public static partial void PermissionDenied(ILogger logger, string store, string what, string user, string reason, string keyPattern);

    [LoggerMessage(
        EventId = RedisHttpCacheDiagnostics.ConnectionFailedEventId,
        Message = "{Store}: the {ConnectionType} connection to Redis server {Endpoint} failed ({FailureType}); it is retried in the background, and store operations fail meanwhile.",
        EventName = "RedisConnectionFailed")]
    public static partial void ConnectionFailed(ILogger logger, LogLevel level, string store, string connectionType, string endpoint, string failureType);

    [LoggerMessage(
        EventId = RedisHttpCacheDiagnostics.BackplaneInterruptedEventId,
        Message = "{Store}: the backplane's subscription to Redis server {Endpoint} is interrupted ({Reason}); it is retried in the background. Until it is back, other instances' changes reach this one only after its near-cache window.",
        EventName = "RedisBackplaneInterrupted")]
    public static partial void BackplaneInterrupted(ILogger logger, LogLevel level, string store, string endpoint, string reason);

    [LoggerMessage(RedisHttpCacheDiagnostics.BackplaneRestoredEventId, LogLevel.Information,
        "{Store}: the backplane's subscription is back ({Endpoint}); other instances' changes drop this one's near-cache copies again.",
        EventName = "RedisBackplaneRestored")]
    public static partial void BackplaneRestored(ILogger logger, string store, string endpoint);

    [LoggerMessage(RedisHttpCacheDiagnostics.ConnectionRestoredEventId, LogLevel.Information,
        "{Store}: the {ConnectionType} connection to Redis server {Endpoint} is restored.",
        EventName = "RedisConnectionRestored")]
    public static partial void ConnectionRestored(ILogger logger, string store, string connectionType, string endpoint);
}
