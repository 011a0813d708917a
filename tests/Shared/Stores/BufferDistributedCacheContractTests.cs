using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// The <see cref="DistributedCacheContractTests"/> plus the <see cref="IBufferDistributedCache"/> members, for stores
/// that implement them (HybridCache uses them to avoid copies); their expiry is in
/// <see cref="BufferDistributedCacheExpiryContractTests"/>.
/// </summary>
public abstract class BufferDistributedCacheContractTests : DistributedCacheContractTests
{
    [Fact]
    public async Task TryGetAsync_MissingKey_ReturnsFalseAndWritesNothing()
    {
        var cache = NewBufferCache();
        var destination = new ArrayBufferWriter<byte>();

        Assert.False(await cache.TryGetAsync(NewKey(), destination, Ct));
        Assert.False(cache.TryGet(NewKey(), destination));
        Assert.Equal(0, destination.WrittenCount);
    }

    [Fact]
    public async Task TryGetAsync_LargeValue_WritesItWhole()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        var value = RandomNumberGenerator.GetBytes((8 * 1024 * 1024) + 3);
        await cache.SetAsync(key, value, Absolute(TimeSpan.FromMinutes(10)), Ct);
        var destination = new ArrayBufferWriter<byte>();

        Assert.True(await cache.TryGetAsync(key, destination, Ct));

        Assert.True(value.AsSpan().SequenceEqual(destination.WrittenSpan));
    }

    [Fact]
    public void TryGet_AfterOtherBytes_AppendsTheValue()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        cache.Set(key, [1, 2, 3], Absolute(TimeSpan.FromMinutes(10)));
        var destination = new ArrayBufferWriter<byte>();
        destination.Write<byte>([9, 9]);

        Assert.True(cache.TryGet(key, destination));

        Assert.Equal([9, 9, 1, 2, 3], destination.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task TryGetAsync_EmptyValue_ReturnsTrueAndWritesNothing()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        await cache.SetAsync(key, [], Absolute(TimeSpan.FromMinutes(10)), Ct);
        var destination = new ArrayBufferWriter<byte>();

        Assert.True(await cache.TryGetAsync(key, destination, Ct));
        Assert.Equal(0, destination.WrittenCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(70_000)]
    public async Task SetAsync_MultiSegmentSequence_RoundTrips(int segmentSize)
    {
        var cache = NewBufferCache();
        var key = NewKey();
        var value = RandomNumberGenerator.GetBytes(200_000);

        await cache.SetAsync(key, BufferSegment.Split(value, segmentSize), Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal(value, await cache.GetAsync(key, Ct));
    }

    [Fact]
    public void Set_SingleSegmentSequenceOverPartOfAnArray_StoresOnlyThatPart()
    {
        var cache = NewBufferCache();
        var key = NewKey();
        byte[] array = [0, 1, 2, 3, 4, 5];

        cache.Set(key, new ReadOnlySequence<byte>(array, 2, 3), Absolute(TimeSpan.FromMinutes(10)));

        Assert.Equal([2, 3, 4], cache.Get(key));
    }

    private IBufferDistributedCache NewBufferCache() =>
        Assert.IsAssignableFrom<IBufferDistributedCache>(NewCache());
}
