using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// What HttpCaching needs from an <see cref="IDistributedCache"/>, apart from expiry by a clock, as tests any store can
/// run: subclass it, return your store from <see cref="DistributedCacheTestBase.CreateCache"/>, and the xunit runner
/// picks the tests up. The suite needs nothing but xunit.v3, Microsoft.Extensions.TimeProvider.Testing
/// (<see cref="FakeTimeProvider"/>) and <c>tests/Shared/TestClock.cs</c>: link <c>tests/Shared/Stores/*.cs</c> and that
/// file into the test project, as the projects here do.
/// </summary>
/// <remarks>
/// No test here moves the clock, so every store passes them as they are, one that expires entries by its own clock
/// (Redis) too. A store that judges expiry by the <see cref="TimeProvider"/> it is given also subclasses
/// <see cref="DistributedCacheExpiryContractTests"/>; one that does not tests its expiry its own way (Redis reads the
/// TTLs it set on the server). Every test writes keys of its own, so the suite can run against a shared server; caches
/// that are <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> are disposed after each test.
/// </remarks>
public abstract class DistributedCacheContractTests : DistributedCacheTestBase
{
    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        var cache = NewCache();

        Assert.Null(await cache.GetAsync(NewKey(), Ct));
    }

    [Fact]
    public void Get_MissingKey_ReturnsNull()
    {
        var cache = NewCache();

        Assert.Null(cache.Get(NewKey()));
    }

    [Fact]
    public async Task SetAsync_ThenGetAsync_ReturnsTheValue()
    {
        var cache = NewCache();
        var key = NewKey();

        await cache.SetAsync(key, "hello"u8.ToArray(), Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal("hello"u8.ToArray(), await cache.GetAsync(key, Ct));
    }

    [Fact]
    public void Set_ThenGet_ReturnsTheValue()
    {
        var cache = NewCache();
        var key = NewKey();

        cache.Set(key, "hello"u8.ToArray(), Absolute(TimeSpan.FromMinutes(10)));

        Assert.Equal("hello"u8.ToArray(), cache.Get(key));
    }

    [Fact]
    public async Task SetAsync_ExistingKey_LastWriteWins()
    {
        var cache = NewCache();
        var key = NewKey();

        await cache.SetAsync(key, "first"u8.ToArray(), Absolute(TimeSpan.FromMinutes(10)), Ct);
        await cache.SetAsync(key, "second"u8.ToArray(), Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal("second"u8.ToArray(), await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_TwoKeys_AreIndependent()
    {
        var cache = NewCache();
        var (first, second) = (NewKey(), NewKey());
        await cache.SetAsync(first, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);
        await cache.SetAsync(second, [2], Absolute(TimeSpan.FromMinutes(10)), Ct);

        await cache.RemoveAsync(first, Ct);

        Assert.Null(await cache.GetAsync(first, Ct));
        Assert.Equal([2], await cache.GetAsync(second, Ct));
    }

    [Fact]
    public async Task RemoveAsync_ExistingKey_RemovesTheValue()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1, 2, 3], Absolute(TimeSpan.FromMinutes(10)), Ct);

        await cache.RemoveAsync(key, Ct);

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public void Remove_ExistingKey_RemovesTheValue()
    {
        var cache = NewCache();
        var key = NewKey();
        cache.Set(key, [1, 2, 3], Absolute(TimeSpan.FromMinutes(10)));

        cache.Remove(key);

        Assert.Null(cache.Get(key));
    }

    [Fact]
    public async Task RemoveAndRefresh_MissingKey_DoNothing()
    {
        var cache = NewCache();
        var key = NewKey();

        await cache.RemoveAsync(key, Ct);
        await cache.RefreshAsync(key, Ct);
        cache.Remove(key);
        cache.Refresh(key);

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_ConcurrentWritersToOneKey_LastWriteWinsWithoutError()
    {
        var cache = NewCache();
        var key = NewKey();
        var values = Enumerable.Range(0, 16).Select(i => Enumerable.Repeat((byte)i, 4096).ToArray()).ToArray();

        await Task.WhenAll(values.Select(value => Task.Run(async () =>
        {
            for (var round = 0; round < 4; round++)
            {
                await cache.SetAsync(key, value, Absolute(TimeSpan.FromMinutes(10)), Ct);
                _ = await cache.GetAsync(key, Ct);
            }
        }, Ct)));

        // Some writer's value, whole: never a mix of two.
        var stored = await cache.GetAsync(key, Ct);
        Assert.NotNull(stored);
        Assert.Contains(values, value => value.AsSpan().SequenceEqual(stored));

        await cache.SetAsync(key, [42], Absolute(TimeSpan.FromMinutes(10)), Ct);
        Assert.Equal([42], await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_LargeValue_RoundTrips()
    {
        var cache = NewCache();
        var key = NewKey();
        var value = RandomNumberGenerator.GetBytes((8 * 1024 * 1024) + 1);

        await cache.SetAsync(key, value, Absolute(TimeSpan.FromMinutes(10)), Ct);

        var stored = await cache.GetAsync(key, Ct);
        Assert.True(value.AsSpan().SequenceEqual(stored));
    }

    [Fact]
    public async Task SetAsync_EveryByteValue_RoundTrips()
    {
        var cache = NewCache();
        var key = NewKey();
        var value = Enumerable.Range(0, 1024).Select(i => (byte)(i % 256)).Reverse().ToArray();

        await cache.SetAsync(key, value, Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal(value, await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_EmptyValue_RoundTripsAsEmptyNotNull()
    {
        var cache = NewCache();
        var key = NewKey();

        await cache.SetAsync(key, [], Absolute(TimeSpan.FromMinutes(10)), Ct);

        var stored = await cache.GetAsync(key, Ct);
        Assert.NotNull(stored);
        Assert.Empty(stored);
    }

    [Fact]
    public async Task SetAsync_KeyOf10000Characters_RoundTripsAndDiffersFromItsPrefix()
    {
        var cache = NewCache();
        var key = NewKey() + new string('k', 10_000);
        var similar = key[..^1] + "j";

        await cache.SetAsync(key, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);
        await cache.SetAsync(similar, [2], Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal([1], await cache.GetAsync(key, Ct));
        Assert.Equal([2], await cache.GetAsync(similar, Ct));
        await cache.RemoveAsync(key, Ct);
        Assert.Null(await cache.GetAsync(key, Ct));
        Assert.Equal([2], await cache.GetAsync(similar, Ct));
    }

    [Fact]
    public async Task SetAsync_UnicodeKeys_AreDistinctExactStrings()
    {
        var cache = NewCache();
        var prefix = NewKey();
        string[] suffixes = ["ключ", "鍵🔑", "caf\u00e9", "cafe\u0301", "Key", "key", "key ", "\u00a0"];

        for (var i = 0; i < suffixes.Length; i++)
        {
            await cache.SetAsync(prefix + suffixes[i], [(byte)i], Absolute(TimeSpan.FromMinutes(10)), Ct);
        }

        for (var i = 0; i < suffixes.Length; i++)
        {
            Assert.Equal([(byte)i], (await cache.GetAsync(prefix + suffixes[i], Ct))!);
        }
    }

    [Fact]
    public async Task Members_NullArguments_Throw()
    {
        var cache = NewCache();
        var options = Absolute(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.GetAsync(null!, Ct));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.SetAsync(null!, [1], options, Ct));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.SetAsync(NewKey(), null!, options, Ct));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.SetAsync(NewKey(), [1], null!, Ct));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.RefreshAsync(null!, Ct));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => cache.RemoveAsync(null!, Ct));
        Assert.ThrowsAny<ArgumentNullException>(() => cache.Get(null!));
        Assert.ThrowsAny<ArgumentNullException>(() => cache.Set(NewKey(), null!, options));
    }
}
