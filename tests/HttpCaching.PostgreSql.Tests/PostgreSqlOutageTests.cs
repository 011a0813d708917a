using System.Net;
using HttpCaching.PostgreSql.Tests.Helpers;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The database goes down in the middle of a run, on a server of the test's own: every request is still answered,
/// from the instance's memory tier or the origin, without an exception reaching the caller; the instance keeps caching
/// in memory, so the origin sees only cold misses; the handler's breaker stops calling the dead store for a while; and
/// once the server is back, responses are stored and served as hits again.
/// </summary>
public sealed class PostgreSqlOutageTests(PostgreSqlServerFixture fixture) : IAsyncDisposable
{
    private const string Before = "/before.xml";
    private const string During = "/during.xml";
    private const string After = "/after.xml";

    private const int StoreFailedEventId = 6;
    private const int BreakerOpenedEventId = 10;
    private const int BreakerClosedEventId = 11;

    /// <summary>Longer than the longest break of the breaker (2 seconds).</summary>
    private static readonly TimeSpan PastAnyBreak = TimeSpan.FromSeconds(2.5);

    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly List<AppInstance> _apps = [];
    private PostgreSqlServer? _server;

    [Fact]
    public async Task DatabaseStopsMidRun_RequestsAreServedFromTheOrigin_AndCachingResumesWhenItIsBack()
    {
        _server = await fixture.StartDedicatedServerAsync();
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var app = Start(origin);
        var store = app.StoreCalls!;

        Assert.True((await app.GetAsync(Before)).IsStored);
        Assert.True((await app.GetAsync(Before)).IsHit);

        await _server.StopAsync();

        // Within the near-cache window a stored response needs no store at all.
        store.ClearLog();
        var fromMemory = await app.GetAsync(Before);
        Assert.Equal("HttpCaching; hit; ttl=3600", fromMemory.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Before, 1), fromMemory.Body);
        Assert.Empty(store.Operations);

        // A response not in memory comes from the origin once: reading and storing it fail, the caller never knows,
        // and this instance keeps it in memory, so the origin is not asked again for it during the outage.
        string[] during = [During, "/during-2.xml", "/during-3.xml"];
        foreach (var path in during)
        {
            AssertFromOriginNotStored(await app.GetAsync(path), path);
            var again = await app.GetAsync(path);
            Assert.True(again.IsHit, again.CacheStatus);
            Assert.Equal(FeedOrigin.Body(path, 1), again.Body);
        }

        Assert.Equal(1 + during.Length, app.Origin.Requests.Count);

        // Each new URL cost two failures (read the entry, write the body): the fifth opened the breaker. The warnings
        // are written once per operation, not once per failure.
        Assert.Equal(2, app.LogsWithId(StoreFailedEventId).Count);
        Assert.Contains("00:00:01", Assert.Single(app.LogsWithId(BreakerOpenedEventId)).Message, StringComparison.Ordinal);

        // While the breaker is open, the store is not called at all.
        store.ClearLog();
        Assert.True((await app.GetAsync(During)).IsHit);
        Assert.Empty(store.Operations);

        // Past the near-cache window, the entry stored before the outage cannot be read from PostgreSQL: this
        // instance's last known copy of it is still fresh and is served.
        _time.Advance(TimeSpan.FromSeconds(6));
        var lastKnown = await app.GetAsync(Before);
        Assert.True(lastKnown.IsHit, lastKnown.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Before, 1), lastKnown.Body);
        Assert.Equal(1 + during.Length, app.Origin.Requests.Count);

        await _server.StartAsync();

        // Connections that died with the server may fail once more each, and each failure reopens the breaker, for
        // at most a couple of seconds: a new URL is stored in PostgreSQL again within a few breaks.
        AppInstance.Reply? stored = null;
        for (var attempt = 0; attempt < 10 && stored is null; attempt++)
        {
            _time.Advance(PastAnyBreak);
            var reply = await app.GetAsync(After);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(FeedOrigin.Body(After, 1), reply.Body);
            if (reply.IsStored)
            {
                stored = reply;
            }
        }

        Assert.NotNull(stored);
        Assert.NotEmpty(app.LogsWithId(BreakerClosedEventId));

        // The versions fetched during the outage are still served from this instance's memory.
        var requestsToOrigin = app.Origin.Requests.Count;
        foreach (var path in during)
        {
            Assert.True((await app.GetAsync(path)).IsHit);
        }

        // The response stored before the outage is still in the table, and still fresh.
        Assert.True((await app.GetAsync(Before)).IsHit);
        Assert.Equal(requestsToOrigin, app.Origin.Requests.Count);

        // Another instance finds what PostgreSQL holds.
        var other = Start(origin);
        Assert.True((await other.GetAsync(After)).IsHit);
        Assert.True((await other.GetAsync(Before)).IsHit);
        Assert.Empty(other.Origin.Requests);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static void AssertFromOriginNotStored(AppInstance.Reply reply, string path)
    {
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(FeedOrigin.Body(path, 1), reply.Body);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=store-failed", reply.CacheStatus);
    }

    private AppInstance Start(FeedOrigin origin)
    {
        var app = AppInstance.Start(_time, origin.CreateStub(), o => o.ConnectionString = _server!.ConnectionString, countStoreCalls: true);
        _apps.Add(app);
        return app;
    }
}
