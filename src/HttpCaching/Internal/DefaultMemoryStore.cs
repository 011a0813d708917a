using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The bounded in-process store used when the application registers no <see cref="IDistributedCache"/>. Entries are
/// charged their size in bytes against <see cref="HttpCachingOptions.MemoryStoreSizeLimit"/>; the least recently used
/// are evicted first when the limit is reached.
/// </summary>
internal sealed class DefaultMemoryStore(IOptions<HttpCachingOptions> options)
    : MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { SizeLimit = options.Value.MemoryStoreSizeLimit }));
