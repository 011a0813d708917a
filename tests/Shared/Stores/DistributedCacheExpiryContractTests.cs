using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// The expiry half of the <see cref="IDistributedCache"/> contract, for stores that judge expiry by the
/// <see cref="TimeProvider"/> <see cref="DistributedCacheTestBase.CreateCache"/> gives them: absolute, relative and
/// sliding expiration, the sliding window renewed by reads and <c>Refresh</c> and capped by an absolute one, moved
/// through with the fake <see cref="DistributedCacheTestBase.Time"/>, never by waiting. Subclass it beside
/// <see cref="DistributedCacheContractTests"/>.
/// </summary>
public abstract class DistributedCacheExpiryContractTests : DistributedCacheTestBase
{
    [Fact]
    public async Task AbsoluteExpiration_ReadableUntilThatInstant_ThenGone()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow() + TimeSpan.FromMinutes(10) }, Ct);

        Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal([1], await cache.GetAsync(key, Ct));

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.GetAsync(key, Ct));
        Assert.Null(cache.Get(key));
    }

    [Fact]
    public async Task AbsoluteExpiration_WithAnOffset_IsTheSameInstant()
    {
        var cache = NewCache();
        var key = NewKey();
        var expiry = (Time.GetUtcNow() + TimeSpan.FromMinutes(10)).ToOffset(TimeSpan.FromHours(-5));
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpiration = expiry }, Ct);

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([1], await cache.GetAsync(key, Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task AbsoluteExpirationRelativeToNow_ReadableUntilThen_ThenGone()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([1], await cache.GetAsync(key, Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task AbsoluteExpiration_NotExtendedByReadsOrRefresh()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);

        for (var minute = 1; minute < 10; minute++)
        {
            Time.Advance(TimeSpan.FromMinutes(1));
            Assert.NotNull(await cache.GetAsync(key, Ct));
            await cache.RefreshAsync(key, Ct);
        }

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SlidingExpiration_NotRead_GoneAfterTheWindow()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SlidingExpiration_ExtendedByGet()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        // 27 minutes in all, never 10 without a read.
        for (var i = 0; i < 3; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(9));
            Assert.Equal([1], await cache.GetAsync(key, Ct));
        }

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public void SlidingExpiration_ExtendedBySyncGet()
    {
        var cache = NewCache();
        var key = NewKey();
        cache.Set(key, [1], Sliding(TimeSpan.FromMinutes(10)));

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([1], cache.Get(key));
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([1], cache.Get(key));

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(cache.Get(key));
    }

    [Fact]
    public async Task SlidingExpiration_ExtendedByRefresh()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(9));
        await cache.RefreshAsync(key, Ct);
        Time.Advance(TimeSpan.FromMinutes(9));
        cache.Refresh(key);
        Time.Advance(TimeSpan.FromMinutes(9));

        Assert.Equal([1], await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SlidingExpiration_RefreshAfterExpiry_DoesNotResurrect()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(11));
        await cache.RefreshAsync(key, Ct);

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SlidingExpiration_CappedByAbsoluteExpiration()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(15),
        }, Ct);

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal([1], await cache.GetAsync(key, Ct));
        await cache.RefreshAsync(key, Ct);

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_AgainWithOtherExpiration_ReplacesTheExpiration()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        await cache.SetAsync(key, [2], Absolute(TimeSpan.FromMinutes(5)), Ct);
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal([2], await cache.GetAsync(key, Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_AbsoluteExpirationInThePast_LeavesNoValue()
    {
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);

        await cache.SetAsync(key, [2], new DistributedCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow() - TimeSpan.FromMinutes(1) }, Ct);

        Assert.Null(await cache.GetAsync(key, Ct));
    }
}
