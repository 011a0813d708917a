namespace HttpCaching;

/// <summary>
/// Settings shared by every client, bound from the <c>HttpCaching</c> configuration section (next to its
/// <c>Defaults</c> and <c>Clients</c> sections).
/// </summary>
public sealed class HttpCachingOptions
{
    /// <summary>
    /// Gets or sets the size limit, in bytes, of the in-memory store used by clients for which the application
    /// registers no <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>. Each record is charged its
    /// bytes, its key's characters times two and a fixed overhead of 224 bytes for the store's bookkeeping, so the
    /// limit bounds the heap the store holds whatever the sizes of the records. When it is reached, the least recently
    /// used records make room for new ones. Read once, when the store is first used.
    /// </summary>
    /// <value>The default is 128 MiB. At most 1 TiB.</value>
    public long MemoryStoreSizeLimit { get; set; } = 128 * 1024 * 1024;

    /// <summary>
    /// Gets the integrity protection and encryption at rest of stored records: the <c>HttpCaching:Integrity</c>
    /// section. Set keys in code with <c>services.Configure&lt;HttpCachingOptions&gt;(o =&gt; o.Integrity.Keys.Add(…))</c>.
    /// </summary>
    /// <value>The default has no keys: records are stored unprotected.</value>
    public HttpCachingIntegrityOptions Integrity { get; } = new();
}
