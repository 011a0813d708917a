using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Testing;

/// <summary>
/// What HttpCaching needs from an <see cref="IDistributedCache"/>, as tests any store can run: subclass it, return your
/// store from <see cref="CreateCache"/>, and the xunit runner picks the tests up. The suite needs nothing but xunit.v3,
/// Microsoft.Extensions.TimeProvider.Testing (<see cref="FakeTimeProvider"/>) and <c>tests/Shared/TestClock.cs</c>:
/// link <c>tests/Shared/Stores/*.cs</c> and that file into the test project, as the projects here do.
/// </summary>
/// <remarks>
/// Expiry is tested with a fake clock: <see cref="CreateCache"/> gets the <see cref="TimeProvider"/> the store must
/// judge expiry by. A store that expires entries by its own clock (Redis, for one) overrides
/// <see cref="ExpiresByTimeProvider"/> to return <see langword="false"/>, and the expiry tests are skipped. Every test
/// writes keys of its own, so the suite can run against a shared server; caches that are
/// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> are disposed after each test.
/// </remarks>
public abstract class DistributedCacheContractTests : IAsyncDisposable
{
    private readonly List<IDistributedCache> _caches = [];

    /// <summary>Gets the clock given to the caches of the current test.</summary>
    protected FakeTimeProvider Time { get; } = new(TestClock.Start);

    /// <summary>Gets a value indicating whether the store expires entries by the <see cref="TimeProvider"/> it is given.</summary>
    protected virtual bool ExpiresByTimeProvider => true;

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
    public async Task AbsoluteExpiration_ReadableUntilThatInstant_ThenGone()
    {
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Sliding(TimeSpan.FromMinutes(10)), Ct);

        Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SlidingExpiration_ExtendedByGet()
    {
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
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
        SkipUnlessFakeTime();
        var cache = NewCache();
        var key = NewKey();
        await cache.SetAsync(key, [1], Absolute(TimeSpan.FromMinutes(10)), Ct);

        await cache.SetAsync(key, [2], new DistributedCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow() - TimeSpan.FromMinutes(1) }, Ct);

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

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            switch (cache)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the store under test, judging expiry by <paramref name="time"/> where it can.</summary>
    protected abstract IDistributedCache CreateCache(TimeProvider time);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };

    protected static DistributedCacheEntryOptions Sliding(TimeSpan window) => new() { SlidingExpiration = window };

    /// <summary>A key no other test uses, so the suite can share a server.</summary>
    protected static string NewKey([System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"contract:{test}:{Guid.NewGuid():N}");

    protected IDistributedCache NewCache()
    {
        var cache = CreateCache(Time);
        _caches.Add(cache);
        return cache;
    }

    protected void SkipUnlessFakeTime() =>
        Assert.SkipUnless(ExpiresByTimeProvider, "This store expires entries by its own clock, so expiry cannot be tested with a fake one.");
}
