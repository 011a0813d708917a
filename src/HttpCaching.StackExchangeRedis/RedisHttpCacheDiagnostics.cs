namespace HttpCaching.StackExchangeRedis;

/// <summary>
/// The Redis store's logger category and event ids, for log filters and alerts. No message carries a key, a value, the
/// configuration string or a password; endpoints, the ACL user's name and the key prefix are configuration, not secrets.
/// </summary>
public static class RedisHttpCacheDiagnostics
{
    /// <summary>
    /// The logger category of every Redis store: <c>HttpCaching.StackExchangeRedis</c>. Failures of single operations are
    /// not logged here: they are thrown as <see cref="RedisStoreException"/>, which the caching handler logs (rate-limited)
    /// under its own <c>HttpCaching.Store</c> category.
    /// </summary>
    public const string LoggerCategory = "HttpCaching.StackExchangeRedis";

    /// <summary>
    /// Event id 1, <c>RedisCannotEvict</c> (Error): the server has <c>maxmemory-policy noeviction</c> or <c>maxmemory 0</c>;
    /// the store does not write values to it (reads still work). Logged when the check first finds it, at start and
    /// after a reconnection.
    /// </summary>
    public const int CannotEvictEventId = 1;

    /// <summary>
    /// Event id 2, <c>RedisCannotEvictAllowed</c> (Warning): as <see cref="CannotEvictEventId"/>, but
    /// <see cref="RedisHttpCacheOptions.AllowNoEviction"/> is set, so the store writes anyway.
    /// </summary>
    public const int CannotEvictAllowedEventId = 2;

    /// <summary>
    /// Event id 3, <c>RedisMemoryPolicyUnreadable</c> (Warning, once per store): neither <c>CONFIG GET</c> nor <c>INFO</c>
    /// may be run by the user (or the server has them renamed); the store writes without knowing the policy.
    /// </summary>
    public const int MemoryPolicyUnreadableEventId = 3;

    /// <summary>Event id 4, <c>RedisMemoryPolicyChecked</c> (Debug): the server can evict; the store writes to it.</summary>
    public const int MemoryPolicyCheckedEventId = 4;

    /// <summary>
    /// Event id 5, <c>RedisWritesResumed</c> (Information): a server the store had refused to write to can evict now
    /// (its policy was changed and a reconnection re-read it).
    /// </summary>
    public const int WritesResumedEventId = 5;

    /// <summary>
    /// Event id 6, <c>RedisPermissionDenied</c> (Error, once per store and kind): the server refused a command or the
    /// store's keys to the ACL user (<c>NOPERM</c>); the store's operations fail and requests go to the origin.
    /// </summary>
    public const int PermissionDeniedEventId = 6;

    /// <summary>
    /// Event id 7, <c>RedisConnectionFailed</c>: the connection to a server failed; Warning for the first failure, Debug
    /// for the reconnection attempts that follow, until it is restored.
    /// </summary>
    public const int ConnectionFailedEventId = 7;

    /// <summary>Event id 8, <c>RedisConnectionRestored</c> (Information): the connection to a server is back; the memory policy is read again.</summary>
    public const int ConnectionRestoredEventId = 8;

    /// <summary>
    /// Event id 9, <c>RedisBackplaneInterrupted</c>: the backplane's subscription failed or could not be made; Warning
    /// for the first failure, Debug for the attempts that follow, until it is restored. Meanwhile other instances'
    /// changes reach this one only after its near-cache window.
    /// </summary>
    public const int BackplaneInterruptedEventId = 9;

    /// <summary>Event id 10, <c>RedisBackplaneRestored</c> (Information): the backplane's subscription is back after an interruption.</summary>
    public const int BackplaneRestoredEventId = 10;
}
