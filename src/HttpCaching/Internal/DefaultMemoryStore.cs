using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The bounded in-process store used when the application registers no <see cref="IDistributedCache"/>. Entries are
/// charged their size in bytes against <see cref="HttpCachingOptions.MemoryStoreSizeLimit"/>, and expire by the
/// application's <see cref="TimeProvider"/>; when the limit is reached, the least recently used go first.
/// </summary>
internal sealed class DefaultMemoryStore(IOptions<HttpCachingOptions> options, IServiceProvider services)
    : MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions
    {
        SizeLimit = options.Value.MemoryStoreSizeLimit,
        Clock = new TimeProviderClock(services.GetService<TimeProvider>() ?? TimeProvider.System),
    }));
