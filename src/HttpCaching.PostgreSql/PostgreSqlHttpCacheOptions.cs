using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using HttpCaching.PostgreSql.Internal;
using Npgsql;

namespace HttpCaching.PostgreSql;

/// <summary>
/// Options of a PostgreSQL store registered with <c>AddPostgreSqlHttpCache</c> or <c>AddKeyedPostgreSqlHttpCache</c>.
/// They are read once, when the store is first resolved, and validated at start-up. Configuration can set every option
/// but <see cref="ConfigureDataSource"/> (<c>AddPostgreSqlHttpCache(section)</c>).
/// </summary>
/// <remarks>
/// The store creates its schema and table on first use, and migrates them when a later release needs to; the
/// database user therefore needs the right to create the schema (or to create tables in it, when it already exists).
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification =
    "RangeAttribute(Type, string, string) needs a TypeConverter only when it validates. These attributes are read by the " +
    "source-generated PostgreSqlHttpCacheOptionsValidator, which uses a trim-safe copy of RangeAttribute instead.")]
public sealed class PostgreSqlHttpCacheOptions
{
    /// <summary>
    /// Gets or sets the Npgsql connection string: host, database, credentials, TLS (<c>SSL Mode</c>,
    /// <c>Root Certificate</c>) and pool settings. It is never logged.
    /// </summary>
    /// <value>The default is <see langword="null"/>; a connection string is required.</value>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets a callback that finishes the store's <see cref="NpgsqlDataSourceBuilder"/> before the data source is
    /// built, for what a connection string cannot say: a password provider for short-lived tokens
    /// (<see cref="NpgsqlDataSourceBuilder.UsePeriodicPasswordProvider"/>), client certificates, or certificate callbacks.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; set; }

    /// <summary>
    /// Gets or sets the schema that holds the cache table and its <c>httpcaching_migrations</c> table. It is created
    /// when missing. A plain identifier: a letter or underscore, then letters, digits or underscores, 63 at most;
    /// names are quoted, so case is kept.
    /// </summary>
    /// <value>The default is <c>httpcaching</c>.</value>
    public string SchemaName { get; set; } = "httpcaching";

    /// <summary>
    /// Gets or sets the name of the cache table, a plain identifier like <see cref="SchemaName"/>. Several stores can
    /// share a schema with different tables.
    /// </summary>
    /// <value>The default is <c>cache_entries</c>.</value>
    public string TableName { get; set; } = "cache_entries";

    /// <summary>
    /// Gets or sets how often the sweep runs: it deletes expired rows, in batches of <see cref="DeleteBatchSize"/>, then
    /// evicts the least recently used rows when the table is over <see cref="MaxSize"/> or <see cref="MaxRows"/>. Reads
    /// never return an expired row, so the sweep only reclaims space. <see cref="Timeout.InfiniteTimeSpan"/> turns it
    /// off, and with it the bounds, for instance when another process cleans the table.
    /// </summary>
    /// <value>The default is 5 minutes. At least 1 second and at most 1 day, or <see cref="Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan ExpiredItemsDeletionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the most rows one delete statement of the sweep removes, for expired rows and for rows evicted by
    /// <see cref="MaxSize"/> or <see cref="MaxRows"/>; each batch is its own short transaction, so a large backlog never
    /// holds locks for long.
    /// </summary>
    /// <value>The default is 1000. Between 1 and 100 000.</value>
    [Range(1, PostgreSqlHttpCacheOptionsValidator.MaxDeleteBatchSize)]
    public int DeleteBatchSize { get; set; } = 1000;

    /// <summary>
    /// Gets or sets the most bytes of values the table keeps: the sum of the values' lengths as written, not counting
    /// keys, row overhead, indexes or space PostgreSQL has yet to reuse. The sweep enforces it: after deleting expired
    /// rows, when the values add up to more than this, it evicts the least recently used rows, in batches of
    /// <see cref="DeleteBatchSize"/>, until they add up to at most 90% of it. Between two sweeps the table can exceed
    /// it by what is written in one <see cref="ExpiredItemsDeletionInterval"/>; with the sweep off it is not enforced.
    /// </summary>
    /// <remarks>
    /// A row's last use is its last write or, for a row with a sliding expiration, the last read that moved its end of
    /// life (at most once a second). Reads of a row with only an absolute expiration are not recorded, so such rows
    /// are evicted in the order they were written. Rows written before this bound existed, or by an older release
    /// during a rollout, count as least recently used.
    /// </remarks>
    /// <value>
    /// The default is 1 GiB (1 073 741 824). Between 1 MiB (1 048 576) and 1 TiB (1 099 511 627 776), or
    /// <see langword="null"/> for no bound (0 is refused, not read as unbounded).
    /// </value>
    public long? MaxSize { get; set; } = 1L << 30;

    /// <summary>
    /// Gets or sets the largest value, in bytes, the store writes or reads. A write of a larger value is refused with an
    /// <see cref="ArgumentOutOfRangeException"/> for <c>value</c>, which the caching handler reports as not stored and
    /// counts against neither of its breakers. A row that holds a larger value (only another writer can have made one)
    /// is read as missing, without the server sending the value, and logged as a warning at most once a minute. Keep it
    /// above the largest <c>MaxBodySize</c> of the clients that use the store.
    /// </summary>
    /// <value>
    /// The default is 64 MiB (67 108 864). Between 64 KiB (65 536) and 1 073 741 823 bytes, PostgreSQL's largest
    /// <c>bytea</c>.
    /// </value>
    public int MaxValueSize { get; set; } = 64 << 20;

    /// <summary>
    /// Gets or sets the most rows the table keeps, enforced by the sweep like <see cref="MaxSize"/>: over it, the least
    /// recently used rows are evicted until at most 90% of it remain. Useful when many small values make the row
    /// count, rather than their bytes, what costs.
    /// </summary>
    /// <value>The default is <see langword="null"/>, no bound. Between 1 and 1 000 000 000 when set.</value>
    public int? MaxRows { get; set; }

    /// <summary>
    /// Gets or sets the sliding expiration of entries written with no expiration at all, so that nothing stays in the
    /// table forever.
    /// </summary>
    /// <value>The default is 20 minutes, as for the SQL Server cache.</value>
    public TimeSpan DefaultSlidingExpiration { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Gets or sets how long one database command may run before it fails, so that a slow or blocked database makes
    /// the cache miss instead of holding requests. It is rounded up to whole seconds. The time to open a connection
    /// comes from the connection string (<c>Timeout</c>, 15 seconds by default in Npgsql).
    /// </summary>
    /// <value>The default is 5 seconds. At least 1 second and at most 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets whether the application instances that share this table tell each other, with <c>NOTIFY</c>, when
    /// one of them stores a new version of a response, revalidates it or invalidates it, so the others drop their
    /// near-cache copy at once instead of after <c>ThirdPartyCachingOptions.NearCacheEntryDuration</c>. Each change costs
    /// one <c>SELECT pg_notify(…)</c> that no request waits for; each instance holds one more connection, which
    /// <c>LISTEN</c>s, reconnecting by itself. Messages carry the store key (whose URL part is a hash), never a URL.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Backplane { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the instances that share this table collapse their origin requests for a URL none of them
    /// holds into one: the first takes a short lease (a row of the table with an expiry) and fetches, the others wait up
    /// to <see cref="LeaseWait"/> for what it stores, then fetch themselves. A cold miss costs two statements (take
    /// and release the lease).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool CollapseAcrossInstances { get; set; } = true;

    /// <summary>
    /// Gets or sets how long a lease lasts when its holder never releases it (the process died, or its origin request
    /// hangs): after it, another instance may take the URL over. Judged by the application's clock, as expiry is.
    /// </summary>
    /// <value>The default is 10 seconds. At least 100 milliseconds and at most 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long an instance waits for the instance holding a URL's lease to store the response before it
    /// asks the origin itself; the request's own cancellation ends the wait sooner.
    /// </summary>
    /// <value>The default is 5 seconds. At least 0 and at most 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(5);
}
