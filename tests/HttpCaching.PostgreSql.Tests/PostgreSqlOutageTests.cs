using System.Net;
using HttpCaching.PostgreSql.Tests.Helpers;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// The database goes down in the middle of a run, on a server of the test's own: every request is still answered,
/// from the near cache or the origin, without an exception reaching the caller; the handler's breaker stops calling the
/// dead store for a while; and once the server is back, responses are stored and served as hits again.
/// </summary>
public sealed class PostgreSqlOutageTests(PostgreSqlServerFixture fixture) : IAsyncDisposable
{
    private const string Before = "/before.xml";
    private const string During = "/during.xml";

    private const int StoreFailedEventId = 6;
    private const int BreakerOpenedEventId = 10;
    private const int BreakerClosedEventId = 11;

    /// <summary>Longer than the longest break of the breaker (1 minute).</summary>
    private static readonly TimeSpan PastAnyBreak = TimeSpan.FromSeconds(61);

    private readonly FakeTimeProvider _time = new();
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
        store.Clear();
        var fromMemory = await app.GetAsync(Before);
        Assert.Equal("HttpCaching; hit; ttl=3600", fromMemory.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Before, 1), fromMemory.Body);
        Assert.Empty(store.Calls);

        // A response not in memory comes from the origin; reading and storing it fail, and the caller never knows.
        // Each request costs two failures (read the entry, write the body): the fifth opens the breaker.
        for (var i = 0; i < 3; i++)
        {
            AssertFromOriginNotStored(await app.GetAsync(During), During);
        }

        Assert.Equal(5, app.LogsWithId(StoreFailedEventId).Count);
        Assert.Contains("00:00:01", Assert.Single(app.LogsWithId(BreakerOpenedEventId)).Message, StringComparison.Ordinal);

        // While the breaker is open, the store is not called at all.
        store.Clear();
        AssertFromOriginNotStored(await app.GetAsync(During), During);
        Assert.Empty(store.Calls);

        // After the break the store is tried once more, fails, and is left alone for twice as long.
        _time.Advance(TimeSpan.FromSeconds(1.5));
        store.Clear();
        AssertFromOriginNotStored(await app.GetAsync(During), During);
        Assert.Single(store.Calls);
        Assert.Equal(2, app.LogsWithId(BreakerOpenedEventId).Count);
        Assert.Contains("00:00:02", app.LogsWithId(BreakerOpenedEventId)[1].Message, StringComparison.Ordinal);
        store.Clear();
        AssertFromOriginNotStored(await app.GetAsync(During), During);
        Assert.Empty(store.Calls);

        // Past the near-cache window, the response stored before the outage cannot be read: the origin serves it.
        _time.Advance(TimeSpan.FromSeconds(6));
        AssertFromOriginNotStored(await app.GetAsync(Before), Before);
        Assert.Equal(8, app.Origin.Requests.Count);

        await _server.StartAsync();

        // Connections that died with the server may fail once more each, and every failure reopens the breaker for
        // up to a minute: wait out each break until a response is stored again.
        AppInstance.Reply? stored = null;
        for (var attempt = 0; attempt < 10 && stored is null; attempt++)
        {
            _time.Advance(PastAnyBreak);
            var reply = await app.GetAsync(During);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(FeedOrigin.Body(During, 1), reply.Body);
            if (reply.IsStored)
            {
                stored = reply;
            }
            else
            {
                AssertFromOriginNotStored(reply, During);
            }
        }

        Assert.NotNull(stored);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", stored.CacheStatus);
        Assert.NotEmpty(app.LogsWithId(BreakerClosedEventId));

        var requestsToOrigin = app.Origin.Requests.Count;
        Assert.True((await app.GetAsync(During)).IsHit);

        // Past the near-cache window the hit reads its entry from PostgreSQL again.
        _time.Advance(TimeSpan.FromSeconds(6));
        store.Clear();
        var hit = await app.GetAsync(During);
        Assert.True(hit.IsHit, hit.CacheStatus);
        Assert.Equal(FeedOrigin.Body(During, 1), hit.Body);
        Assert.Equal("get", Assert.Single(store.Calls).Operation);

        // The response stored before the outage is still in the table, and still fresh.
        Assert.True((await app.GetAsync(Before)).IsHit);
        Assert.Equal(requestsToOrigin, app.Origin.Requests.Count);

        // Another instance finds both in PostgreSQL.
        var other = Start(origin);
        Assert.True((await other.GetAsync(During)).IsHit);
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
