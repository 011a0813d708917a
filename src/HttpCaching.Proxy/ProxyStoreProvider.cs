namespace HttpCaching.Proxy;

/// <summary>The stores the proxy can keep its cache in.</summary>
internal enum ProxyStoreProvider
{
    /// <summary>The library's bounded in-process store (<c>HttpCaching:Store:MemorySizeLimit</c>); not shared.</summary>
    Memory,

    /// <summary>A PostgreSQL table (HttpCaching.PostgreSql), shared by every proxy that names the same database.</summary>
    PostgreSql,

    /// <summary>Redis (HttpCaching.StackExchangeRedis), shared by every proxy that names the same server.</summary>
    Redis,
}
