namespace HttpCaching.Testing;

/// <summary>
/// The ACL users every throwaway Redis has, besides <c>default</c> (no password, everything): each test picks the one
/// whose rights it is about. Passwords are made per server, so that a test can look for them in logs.
/// </summary>
public static class RedisTestUsers
{
    /// <summary>The key prefix the limited users may use: the caching handler's default <c>KeyPrefix</c>.</summary>
    public const string Prefix = "httpcaching:";

    /// <summary>A cache's user as the README recommends: the prefix's keys, a cache's commands, CONFIG GET and INFO.</summary>
    public const string Cache = "httpcache";

    /// <summary>Like <see cref="Cache"/>, but its keys are another prefix's: every operation on the cache's keys is refused.</summary>
    public const string OtherPrefix = "otherprefix";

    /// <summary>Like <see cref="Cache"/>, but without CONFIG and INFO: the memory policy cannot be read.</summary>
    public const string NoConfig = "noconfig";

    /// <summary>The ACL rules of a cache's user, as the README recommends them.</summary>
    public const string CacheRules = "-@all +@read +@write +@keyspace +@transaction +@connection -@dangerous +info +config|get +@pubsub +eval +evalsha";
}
