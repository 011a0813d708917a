using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis;

/// <summary>
/// Options of a Redis store registered with <c>AddRedisHttpCache</c> or <c>AddKeyedRedisHttpCache</c>. They are read
/// once, when the store is first resolved, and validated at start-up. Configuration can set every option but
/// <see cref="ConfigurationOptions"/> (<c>AddRedisHttpCache(section)</c>).
/// </summary>
/// <remarks>
/// <para>
/// The connection comes from <see cref="Configuration"/> or <see cref="ConfigurationOptions"/> (one of them, not both);
/// <see cref="Ssl"/>, <see cref="SslHost"/>, <see cref="User"/>, <see cref="Password"/> and
/// <see cref="CaCertificatePath"/>, when set, override what those say. The store always connects in the background
/// (<c>abortConnect=false</c>), so an application starts while Redis is down; while there is no connection its
/// operations fail at once (<c>BacklogPolicy.FailFast</c>) instead of queueing; and it turns on <c>allowAdmin</c> on its
/// own connection, because StackExchange.Redis counts the <c>CONFIG GET</c> and <c>INFO</c> the memory-policy check
/// reads with as admin commands; the store runs no other.
/// </para>
/// <para>
/// Nothing secret is logged: not the password, not the configuration string, not a key. StackExchange.Redis's own
/// logger (<see cref="StackExchange.Redis.ConfigurationOptions.LoggerFactory"/>) is not used, because it writes commands
/// with their keys, and the store's exceptions (<see cref="RedisStoreException"/>) carry a hash of the key instead.
/// </para>
/// </remarks>
public sealed class RedisHttpCacheOptions
{
    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string: endpoints and settings, for example
    /// <c>redis.internal:6380,ssl=true,user=httpcache,password=…</c>. It is never logged.
    /// </summary>
    /// <value>The default is <see langword="null"/>; this or <see cref="ConfigurationOptions"/> is required.</value>
    public string? Configuration { get; set; }

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration, for what a configuration string cannot say (certificate
    /// callbacks, a client certificate, a socket manager). The store connects with a copy of it; code only.
    /// </summary>
    /// <value>The default is <see langword="null"/>; this or <see cref="Configuration"/> is required.</value>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// Gets or sets the prefix the store puts before every key (<c>RedisCacheOptions.InstanceName</c>), to keep the
    /// entries of several applications or stores on one Redis apart. The keys HttpCaching writes already start with
    /// each client's <c>ThirdPartyCachingOptions.KeyPrefix</c> (<c>httpcaching:</c> by default), so an ACL user limited
    /// to <c>~httpcaching:*</c> covers them; with a prefix here, limit it to <c>~{KeyPrefix}*</c> instead.
    /// </summary>
    /// <value>The default is empty: keys are written as the caller gives them.</value>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the connection uses TLS, overriding <c>ssl=</c> of the configuration.</summary>
    /// <value>The default is <see langword="null"/>: the configuration decides (no TLS unless it says <c>ssl=true</c>).</value>
    public bool? Ssl { get; set; }

    /// <summary>
    /// Gets or sets the name the server's certificate must carry, when it is not the host name of the endpoint (for
    /// example when connecting by IP address); overrides <c>sslHost=</c> of the configuration.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the endpoint's host.</value>
    public string? SslHost { get; set; }

    /// <summary>Gets or sets the ACL user to authenticate as, overriding <c>user=</c> of the configuration.</summary>
    /// <value>The default is <see langword="null"/>: the configuration's user, else Redis's <c>default</c> user.</value>
    public string? User { get; set; }

    /// <summary>
    /// Gets or sets the password of <see cref="User"/> (or of the <c>default</c> user), overriding <c>password=</c> of
    /// the configuration. It is never logged; keep it in a secret store, not in <c>appsettings.json</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the configuration's password, if any.</value>
    public string? Password { get; set; }

    /// <summary>
    /// Gets or sets the path of a PEM (or DER) file with the certificate authority, or authorities, to trust for the
    /// server's TLS certificate, for a Redis whose certificate a private CA issued. When set, the server's certificate
    /// must chain to one of them (the system's trusted roots are not consulted) and carry the expected name. Its answer
    /// is the one used: a <c>CertificateValidation</c> callback of <see cref="ConfigurationOptions"/> still runs, but no
    /// longer decides. TLS must be on. The file is read once, when the store first connects.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the system's trusted roots decide.</value>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// Gets or sets whether the store writes to a Redis that cannot evict: <c>maxmemory-policy noeviction</c>, or
    /// <c>maxmemory 0</c> (no limit). Such a Redis fills up with cached bodies and then refuses every write, a job
    /// queue's on the same server included, so by default the store logs an error naming the setting and refuses to
    /// write values (each write throws <see cref="RedisStoreException"/>, which the caching handler reports as not
    /// stored); reads, refreshes and removals go on. Set it only for a Redis that holds nothing but this cache and
    /// whose memory something else bounds.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowNoEviction { get; set; }

    /// <summary>
    /// Gets or sets whether the application instances that share this Redis tell each other, over pub/sub on the
    /// store's connection, when one of them stores a new version of a response, revalidates it or invalidates it, so
    /// the others drop their near-cache copy at once (typically within milliseconds) instead of after
    /// <c>ThirdPartyCachingOptions.NearCacheEntryDuration</c>. Each change costs one <c>PUBLISH</c> that no request waits
    /// for; messages carry the store key (whose URL part is a hash), never a URL. The ACL user needs the channel
    /// <c>{KeyPrefix}httpcaching:backplane</c> (<c>&amp;httpcaching:*</c>) and <c>+publish +subscribe</c>.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Backplane { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the instances that share this Redis collapse their origin requests for a URL none of them
    /// holds into one: the first takes a short lease (<c>SET NX PX</c>) and fetches, the others wait up to
    /// <see cref="LeaseWait"/> for what it stores, then fetch themselves. A cold miss costs the lease's two round trips
    /// (take, and release by a compare-and-delete script). The ACL user needs <c>+eval +evalsha</c>;
    /// without them a lease is not released but expires after <see cref="LeaseDuration"/>.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool CollapseAcrossInstances { get; set; } = true;

    /// <summary>
    /// Gets or sets how long a lease lasts when its holder never releases it (the process died, or its origin request
    /// hangs): after it, another instance may take the URL over. Keep it above the origin's usual response time.
    /// </summary>
    /// <value>The default is 10 seconds. At least 100 milliseconds and at most 1 hour.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long an instance waits for the instance holding a URL's lease to store the response before it
    /// asks the origin itself; the request's own cancellation ends the wait sooner.
    /// </summary>
    /// <value>The default is 5 seconds. At least 0 and at most 1 hour.</value>
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(5);
}
