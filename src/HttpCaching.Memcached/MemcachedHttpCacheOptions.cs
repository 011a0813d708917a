namespace HttpCaching.Memcached;

/// <summary>
/// Options of a memcached store registered with <c>AddMemcachedHttpCache</c> or <c>AddKeyedMemcachedHttpCache</c>. They
/// are read once, when the store is first resolved, and validated at start-up. Configuration can set every option
/// (<c>AddMemcachedHttpCache(section)</c>); unknown keys fail start-up naming the key.
/// </summary>
/// <remarks>
/// <para>
/// The store speaks memcached's meta text protocol (<c>mg</c>, <c>ms</c>, <c>md</c>, <c>mn</c>, memcached 1.6 or newer)
/// over a small pool of connections per server. Keys spread over <see cref="Servers"/> by consistent hashing, so adding
/// a server moves about 1/N of the keys; a server that cannot be reached is skipped for a growing interval
/// (<see cref="ServerRetryInterval"/> up to <see cref="MaxServerRetryInterval"/>) and its keys go to the others, as
/// copies for that outage; the keys written or removed meanwhile are removed from it when it is back.
/// </para>
/// <para>
/// Nothing secret is logged: not the password, not a key (the store's exceptions carry a hash of it), not a value.
/// </para>
/// </remarks>
public sealed class MemcachedHttpCacheOptions
{
    /// <summary>
    /// Gets or sets the servers, as <c>host:port</c> separated by commas, for example
    /// <c>cache1.internal:11211,cache2.internal:11211</c>. A host without a port uses 11211; an IPv6 address is written
    /// in brackets (<c>[::1]:11211</c>).
    /// </summary>
    /// <value>The default is <see langword="null"/>; at least one server is required.</value>
    public string? Servers { get; set; }

    /// <summary>
    /// Gets or sets a prefix put before every key, to keep several stores (or applications) apart on shared servers.
    /// Any text works: keys are sent base64-encoded, and hashed when long, so memcached's key rules never apply.
    /// </summary>
    /// <value>The default is an empty string: no prefix (the keys HttpCaching writes already start with <c>httpcaching:</c>).</value>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the store connects with TLS (memcached started with <c>-Z</c>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool UseTls { get; set; }

    /// <summary>
    /// Gets or sets the name the server's TLS certificate must carry, when it is not the host of <see cref="Servers"/>
    /// (for example when connecting by address). TLS must be on.
    /// </summary>
    /// <value>The default is <see langword="null"/>: each server's host.</value>
    public string? TlsServerName { get; set; }

    /// <summary>
    /// Gets or sets the path of a PEM (or DER) file with the certificate authority, or authorities, to trust for the
    /// servers' TLS certificates, for servers whose certificates a private CA issued. When set, a certificate must chain
    /// to one of them (the system's trusted roots are not consulted) and carry the expected name. TLS must be on. The
    /// file is read once, when the store is created.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the system's trusted roots decide.</value>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// Gets or sets the user name for memcached's text-protocol authentication (<c>-Y</c> auth file), sent as the first
    /// command of each connection. Set it with <see cref="Password"/>, and use TLS: the protocol sends both in clear text.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no authentication.</value>
    public string? Username { get; set; }

    /// <summary>
    /// Gets or sets the password of <see cref="Username"/>. It is never logged; keep it in a secret store, not in
    /// <c>appsettings.json</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Password { get; set; }

    /// <summary>
    /// Gets or sets how long opening a connection may take: TCP, the TLS handshake and authentication.
    /// </summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets how long one operation may take, waiting for a pooled connection included. The caching handler's
    /// <c>StoreTimeout</c> bounds its calls too; this bounds everything else, and closes a connection that did not answer.
    /// </summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many connections the store opens to each server at most; calls beyond wait for one.</summary>
    /// <value>The default is 4.</value>
    public int MaxConnectionsPerServer { get; set; } = 4;

    /// <summary>
    /// Gets or sets how long a server that failed is skipped before it is tried again. Each failure of the retry doubles
    /// the interval, up to <see cref="MaxServerRetryInterval"/>; a success resets it.
    /// </summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan ServerRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest interval a failing server is skipped for (see <see cref="ServerRetryInterval"/>).</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan MaxServerRetryInterval { get; set; } = TimeSpan.FromSeconds(30);
}
