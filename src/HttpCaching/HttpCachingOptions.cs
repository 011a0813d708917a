namespace HttpCaching;

/// <summary>
/// Settings shared by every client, bound from the <c>HttpCaching</c> configuration section (next to its
/// <c>Defaults</c> and <c>Clients</c> sections).
/// </summary>
public sealed class HttpCachingOptions
{
    /// <summary>
    /// Gets or sets the size limit, in bytes, of the in-memory store used by clients for which the application
    /// registers no <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>. Read once, when the store
    /// is first used.
    /// </summary>
    /// <value>The default is 128 MiB.</value>
    public long MemoryStoreSizeLimit { get; set; } = 128 * 1024 * 1024;
}
