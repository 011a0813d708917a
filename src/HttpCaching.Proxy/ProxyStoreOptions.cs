namespace HttpCaching.Proxy;

/// <summary>
/// The store every route shares, bound from <c>Proxy:Store</c>. It is not under <c>HttpCaching:Store</c> because the
/// library checks that section strictly and knows only its own keys there (the memory bound and integrity).
/// </summary>
internal sealed class ProxyStoreOptions
{
    /// <summary>Gets or sets which store holds the cache.</summary>
    /// <value>The default is <see cref="ProxyStoreProvider.Memory"/>: the library's bounded in-process store.</value>
    public ProxyStoreProvider Provider { get; set; } = ProxyStoreProvider.Memory;

    /// <summary>
    /// Gets or sets the connection string: an Npgsql connection string for <see cref="ProxyStoreProvider.PostgreSql"/>,
    /// a StackExchange.Redis configuration string for <see cref="ProxyStoreProvider.Redis"/>. Required for both, not
    /// allowed for <see cref="ProxyStoreProvider.Memory"/>. Never logged or quoted in messages.
    /// </summary>
    public string? ConnectionString { get; set; }
}
