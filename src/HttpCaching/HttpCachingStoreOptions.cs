using System.ComponentModel.DataAnnotations;

namespace HttpCaching;

/// <summary>
/// Settings of the stores every client shares, bound from the <c>HttpCaching:Store</c> configuration section: the size
/// of the built-in in-memory store and the integrity protection of stored records.
/// </summary>
/// <remarks>
/// Set them in code with <c>services.Configure&lt;HttpCachingStoreOptions&gt;(o =&gt; …)</c>; configuration wins. They
/// are read once, when a store is first used, and validated at start-up.
/// </remarks>
public sealed class HttpCachingStoreOptions
{
    /// <summary>The largest <see cref="MemorySizeLimit"/>: 1 TiB.</summary>
    internal const long MaxMemorySizeLimit = 1L << 40;

    /// <summary>
    /// Gets or sets the size limit, in bytes, of the in-memory store used by clients for which the application
    /// registers no <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>. Each record is charged its
    /// bytes, its key's characters times two and a fixed overhead of 224 bytes for the store's bookkeeping, so the
    /// limit bounds the heap the store holds whatever the sizes of the records. When it is reached, the least recently
    /// used records make room for new ones. Read once, when the store is first used.
    /// </summary>
    /// <value>The default is 128 MiB. At least 1 byte and at most 1 TiB.</value>
    [Range(1d, (double)MaxMemorySizeLimit)]
    public long MemorySizeLimit { get; set; } = 128 * 1024 * 1024;

    /// <summary>
    /// Gets the integrity protection and encryption at rest of stored records: the <c>HttpCaching:Store:Integrity</c>
    /// section. Set keys in code with
    /// <c>services.Configure&lt;HttpCachingStoreOptions&gt;(o =&gt; o.Integrity.Keys.Add(…))</c>.
    /// </summary>
    /// <value>The default has no keys: records are stored unprotected.</value>
    public HttpCachingIntegrityOptions Integrity { get; } = new();
}
