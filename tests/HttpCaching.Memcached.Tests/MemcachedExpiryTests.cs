using HttpCaching.Memcached.Internal;
using HttpCaching.Memcached.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// Expiry against a real memcached: the TTLs the server holds (<c>mg &lt;key&gt; t</c>) after writes, reads and refreshes,
/// and the store's exact check of absolute instants by its fake clock. Nothing waits for time to pass on the server.
/// </summary>
public sealed class MemcachedExpiryTests(MemcachedServerFixture server) : IAsyncDisposable
{
    private static readonly long TenMinutes = (long)TimeSpan.FromMinutes(10).TotalSeconds;

    private readonly MemcachedStores _stores = new();
    private readonly FakeTimeProvider _time = new(TestClock.Start);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SetAsync_AbsoluteRelativeToNow_ServerTtlIsThatManySeconds()
    {
        var store = NewStore();
        var key = NewKey();

        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Ct);

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, TenMinutes - 2, TenMinutes);
    }

    [Fact]
    public async Task SetAsync_NoExpiration_ServerTtlIsUnlimited()
    {
        var store = NewStore();
        var key = NewKey();

        await store.SetAsync(key, [1], new DistributedCacheEntryOptions(), Ct);

        Assert.Equal(-1, await store.ServerTtlAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_AbsoluteBeyondThirtyDays_ServerHoldsItAsUnixTime()
    {
        // The server reads more than 30 days as a Unix time, by its own clock: the store's clock is the system's here.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var store = NewStore(time);
        var key = NewKey();
        var forty = (long)TimeSpan.FromDays(40).TotalSeconds;

        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(40) }, Ct);

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, forty - 5, forty + 5);
        Assert.Equal([1], await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task GetAsync_AbsoluteInstantReached_MissByTheStoresClock()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() + TimeSpan.FromMinutes(10) }, Ct);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Equal([1], await store.GetAsync(key, Ct));
        Assert.Equal([1], store.Get(key));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await store.GetAsync(key, Ct));
        Assert.Null(store.Get(key));
        Assert.False(store.TryGet(key, new System.Buffers.ArrayBufferWriter<byte>()));
    }

    [Fact]
    public async Task GetAsync_Sliding_TouchesTheServerTtlBackToTheWindow()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        await ShortenAsync(key, 5);
        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, 0, 5);

        Assert.Equal([1], await store.GetAsync(key, Ct));

        // One connection: the pipelined touch is answered before this command is.
        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, TenMinutes - 2, TenMinutes);
    }

    [Fact]
    public async Task GetAsync_SlidingUnderAbsoluteCap_TouchedToTheCapNotTheWindow()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(15) }, Ct);
        _time.Advance(TimeSpan.FromMinutes(12));
        await ShortenAsync(key, 5);

        Assert.Equal([1], await store.GetAsync(key, Ct));

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, 178, 180);
    }

    [Fact]
    public async Task RefreshAsync_Sliding_TouchesTheServerTtl()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        await ShortenAsync(key, 5);

        await store.RefreshAsync(key, Ct);

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, TenMinutes - 2, TenMinutes);
        await ShortenAsync(key, 5);
        store.Refresh(key);
        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, TenMinutes - 2, TenMinutes);
    }

    [Fact]
    public async Task RefreshAsync_SlidingUnderAbsoluteCap_TouchesToTheCap()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(15) }, Ct);
        _time.Advance(TimeSpan.FromMinutes(13));
        await ShortenAsync(key, 5);

        await store.RefreshAsync(key, Ct);

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, 118, 120);
    }

    [Fact]
    public async Task RefreshAndGet_Absolute_NeverExtendTheServerTtl()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Ct);
        await ShortenAsync(key, 30);

        await store.RefreshAsync(key, Ct);
        Assert.NotNull(await store.GetAsync(key, Ct));

        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, 0, 30);
    }

    [Fact]
    public async Task SetAsync_AbsoluteInThePast_RemovesWhatWasThere()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Ct);

        await store.SetAsync(key, [2], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() - TimeSpan.FromSeconds(1) }, Ct);

        Assert.Null(await store.ServerTtlAsync(key, Ct));
        Assert.Null(await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task SetAsync_SlidingAfterAbsolute_ReplacesTheExpiry()
    {
        var store = NewStore();
        var key = NewKey();
        await store.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, Ct);

        await store.SetAsync(key, [2], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Ct);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal([2], await store.GetAsync(key, Ct));
        Assert.InRange((await store.ServerTtlAsync(key, Ct))!.Value, TenMinutes - 2, TenMinutes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task SetAsync_NonPositiveRelativeOrSliding_Throws(int seconds)
    {
        var store = NewStore();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync(NewKey(), [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(seconds) }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync(NewKey(), [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(seconds) }, Ct));
    }

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    private MemcachedCacheStore NewStore(TimeProvider? time = null)
    {
        server.EnsureAvailable();

        // One connection, so a pipelined touch is always answered before the test's next command.
        return _stores.Create(o =>
        {
            o.Servers = server.Endpoint;
            o.MaxConnectionsPerServer = 1;
        }, time ?? _time);
    }

    /// <summary>Sets the server's TTL of a key to <paramref name="seconds"/>, past the store.</summary>
    private async Task ShortenAsync(string key, long seconds)
    {
        await using var raw = await RawMemcached.OpenAsync(server.Endpoint);
        Assert.True(await raw.TouchAsync(RawMemcached.Key(key), seconds, Ct));
    }

    private static string NewKey([System.Runtime.CompilerServices.CallerMemberName] string test = "") => $"expiry:{test}:{Guid.NewGuid():N}";
}
