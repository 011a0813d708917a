using HttpCaching.PostgreSql.Tests.Helpers;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The near cache in front of PostgreSQL, measured by counting the calls that reach the PostgreSQL store (a counting
/// keyed <c>IDistributedCache</c> around it): within <c>NearCacheEntryDuration</c> a hit reads nothing from
/// PostgreSQL, after it one small read of the entry record and never the body, which does not change.
/// </summary>
public sealed class NearCacheOverPostgreSqlTests(PostgreSqlServerFixture server) : IAsyncDisposable
{
    private const string Feed = "/feed.xml";
    private const long DefaultSize = 32 * 1024 * 1024;

    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly List<AppInstance> _apps = [];
    private readonly string _table = "near_" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Another instance stores the response, so this one starts with nothing in memory. Its first hit reads the entry
    /// and the body; a second hit within the window reads nothing; past the window a hit reads the entry record only
    /// (the body version is kept in memory). With a window of zero every hit reads the entry record; with the near
    /// cache off every hit reads both.
    /// </summary>
    [Theory]
    [InlineData(DefaultSize, 5, 0, 1)]
    [InlineData(DefaultSize, 0, 1, 1)]
    [InlineData(0, 5, 2, 2)]
    public async Task Hits_ReadFromPostgreSqlOnlyWhatTheNearCacheDoesNotHold(long sizeLimit, int entrySeconds, int readsWithinWindow, int readsAfterWindow)
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var writer = Start(origin);
        Assert.True((await writer.GetAsync(Feed)).IsStored);

        var reader = Start(origin, o => (o.NearCacheSizeLimit, o.NearCacheEntryDuration) = (sizeLimit, TimeSpan.FromSeconds(entrySeconds)));
        var store = reader.StoreCalls!;

        var first = await reader.GetAsync(Feed);
        Assert.True(first.IsHit, first.CacheStatus);
        Assert.Collection(store.Operations, c => AssertEntryRead(c), c => AssertBodyRead(c));

        store.ClearLog();
        var within = await reader.GetAsync(Feed);
        Assert.True(within.IsHit, within.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 1), within.Body);
        AssertReads(store.Operations, readsWithinWindow);

        _time.Advance(TimeSpan.FromSeconds(entrySeconds + 1));
        store.ClearLog();
        var after = await reader.GetAsync(Feed);
        Assert.True(after.IsHit, after.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 1), after.Body);
        AssertReads(store.Operations, readsAfterWindow);

        Assert.Empty(reader.Origin.Requests);
    }

    /// <summary>The instance that stored a response keeps what it wrote: its next hit reads nothing from PostgreSQL.</summary>
    [Fact]
    public async Task TheInstanceThatStored_ServesItsNextHitWithoutReadingPostgreSql()
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var app = Start(origin);
        var store = app.StoreCalls!;

        Assert.True((await app.GetAsync(Feed)).IsStored);
        Assert.Equal(["get", "get", "set", "set"], store.Operations.Select(c => c.Operation));

        store.ClearLog();
        Assert.True((await app.GetAsync(Feed)).IsHit);
        Assert.Empty(store.Operations);

        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await app.GetAsync(Feed)).IsHit);
        Assert.Collection(store.Operations, c => AssertEntryRead(c), c => AssertBodyRefresh(c));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// Two reads are the entry and then the body; one is the entry record (and the body, served from memory, refreshed
    /// in the store so that it lives as long as the entry); zero is none at all.
    /// </summary>
    private static void AssertReads(IReadOnlyList<RecordingDistributedCache.StoreCall> calls, int expected)
    {
        switch (expected)
        {
            case 0:
                Assert.Empty(calls);
                break;
            case 1:
                Assert.Collection(calls, c => AssertEntryRead(c), c => AssertBodyRefresh(c));
                break;
            default:
                Assert.Collection(calls, c => AssertEntryRead(c), c => AssertBodyRead(c));
                break;
        }
    }

    private static void AssertEntryRead(RecordingDistributedCache.StoreCall call)
    {
        Assert.Equal("get", call.Operation);
        Assert.Contains($"{AppInstance.ClientName}:e:", call.Key, StringComparison.Ordinal);
    }

    private static void AssertBodyRefresh(RecordingDistributedCache.StoreCall call)
    {
        Assert.Equal("refresh", call.Operation);
        Assert.Contains($"{AppInstance.ClientName}:b:", call.Key, StringComparison.Ordinal);
    }

    private static void AssertBodyRead(RecordingDistributedCache.StoreCall call)
    {
        Assert.Equal("get", call.Operation);
        Assert.Contains($"{AppInstance.ClientName}:b:", call.Key, StringComparison.Ordinal);
    }

    private AppInstance Start(FeedOrigin origin, Action<ThirdPartyCachingOptions>? caching = null)
    {
        server.EnsureAvailable();
        var app = AppInstance.Start(
            _time,
            origin.CreateStub(),
            o => (o.ConnectionString, o.TableName) = (server.ConnectionString, _table),
            caching,
            countStoreCalls: true);
        _apps.Add(app);
        return app;
    }
}
