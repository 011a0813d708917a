using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// The <see cref="DistributedCacheExpiryContractTests"/> plus the expiry of the <see cref="IBufferDistributedCache"/>
/// members, for stores that implement them and judge expiry by the <see cref="TimeProvider"/> they are given.
/// </summary>
public abstract class BufferDistributedCacheExpiryContractTests : DistributedCacheExpiryContractTests
{
    [Fact]
    public async Task TryGetAsync_SlidingEntry_ExtendsIt()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        await cache.SetAsync(key, new ReadOnlySequence<byte>([7]), Sliding(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(await cache.TryGetAsync(key, new ArrayBufferWriter<byte>(), Ct));
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(cache.TryGet(key, new ArrayBufferWriter<byte>()));

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(await cache.TryGetAsync(key, new ArrayBufferWriter<byte>(), Ct));
    }

    [Fact]
    public async Task TryGetAsync_ExpiredEntry_ReturnsFalse()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        await cache.SetAsync(key, new ReadOnlySequence<byte>([7]), Absolute(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(10));

        Assert.False(await cache.TryGetAsync(key, new ArrayBufferWriter<byte>(), Ct));
    }

    private IBufferDistributedCache NewBufferCache() =>
        Assert.IsAssignableFrom<IBufferDistributedCache>(NewCache());
}
