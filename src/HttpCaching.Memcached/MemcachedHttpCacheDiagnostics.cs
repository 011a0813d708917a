namespace HttpCaching.Memcached;

/// <summary>
/// The memcached store's logger category and event ids, for log filters and alerts. No message carries a key, a value
/// or a password; server addresses, the user name and the key prefix are configuration, not secrets.
/// </summary>
public static class MemcachedHttpCacheDiagnostics
{
    /// <summary>
    /// The logger category of every memcached store: <c>HttpCaching.Memcached</c>. Failures of single operations are not
    /// logged here: they are thrown as <see cref="MemcachedStoreException"/>, which the caching handler logs
    /// (rate-limited) under its own <c>HttpCaching.Store</c> category.
    /// </summary>
    public const string LoggerCategory = "HttpCaching.Memcached";

    /// <summary>
    /// Event id 1, <c>MemcachedItemTooLarge</c> (Warning, once per server and limit): a value was larger than the server's
    /// item size limit (<c>-I</c>). Such writes throw an <see cref="ArgumentOutOfRangeException"/> (the cache reports the
    /// value as not stored and does not count it against the store's health) and remove the key's older value; raise
    /// <c>-I</c> to at least the clients' <c>MaxBodySize</c>, or lower <c>MaxBodySize</c>.
    /// </summary>
    public const int ItemTooLargeEventId = 1;

    /// <summary>Event id 2, <c>MemcachedItemSizeLimit</c> (Debug): the item size limit read from a server's <c>stats settings</c>.</summary>
    public const int ItemSizeLimitEventId = 2;

    /// <summary>
    /// Event id 3, <c>MemcachedServerDown</c> (Warning once per outage, Debug for the retries that fail): a server could
    /// not be reached or broke a connection; it is skipped for a growing interval and its keys go to the other servers,
    /// as copies for that outage. The keys written or removed meanwhile are removed from it when it is back, before it is
    /// read again.
    /// </summary>
    public const int ServerDownEventId = 3;

    /// <summary>Event id 4, <c>MemcachedServerRestored</c> (Information): a server that was down answers again.</summary>
    public const int ServerRestoredEventId = 4;

    /// <summary>
    /// Event id 5, <c>MemcachedAuthenticationFailed</c> (Error, once per server until it succeeds): the server refused
    /// the user name and password, or asks for them and none are set.
    /// </summary>
    public const int AuthenticationFailedEventId = 5;

    /// <summary>
    /// Event id 6, <c>MemcachedProtocolViolation</c> (Error, once per server): a reply broke the meta protocol, or a
    /// value was not a record this store wrote (another client shares the keys, or the server is not memcached). The
    /// connection is closed and the call fails; nothing of the reply is used.
    /// </summary>
    public const int ProtocolViolationEventId = 6;

    /// <summary>
    /// Event id 7, <c>MemcachedServerFlushed</c> (Warning): a server is back after more of its keys were written or
    /// removed elsewhere during its outage than the store remembers one by one; it was flushed (<c>flush_all</c>), so
    /// no value it kept through the outage is read as current.
    /// </summary>
    public const int ServerFlushedEventId = 7;
}
