using System.Net;
using HttpCaching.PostgreSql.Internal;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Logging;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// Two application instances (two service providers) sharing one PostgreSQL table and one clock, each with its own
/// stub of the same origin: what one stores the other serves, a new version fetched by one reaches the other within
/// what RFC 9111 and <c>NearCacheEntryDuration</c> allow, and instances that start together create the schema once.
/// </summary>
public sealed class MultiInstanceTests : IAsyncDisposable
{
    private const string Feed = "/feed.xml";

    private const string StoreLogCategory = "HttpCaching.PostgreSql.Internal.PostgreSqlCacheStore";

    /// <summary>The event id of the store's "migrated" log entry.</summary>
    private const int MigratedEventId = 1;

    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    private readonly PostgreSqlServerFixture _server;
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly FeedOrigin _origin;
    private readonly List<AppInstance> _apps = [];
    private readonly string _table = "multi_" + Guid.NewGuid().ToString("N");
    private string? _schema;

    public MultiInstanceTests(PostgreSqlServerFixture server)
    {
        _server = server;
        _origin = new FeedOrigin(_time) { MaxAge = MaxAge };
    }

    [Fact]
    public async Task OneInstanceFetches_TheOtherServesItAsAHit()
    {
        var a = Start();
        var b = Start();

        var fetched = await a.GetAsync(Feed);
        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.Equal(FeedOrigin.Body(Feed, 1), fetched.Body);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", fetched.CacheStatus);

        _time.Advance(TimeSpan.FromSeconds(10));
        var served = await b.GetAsync(Feed);
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal(FeedOrigin.Body(Feed, 1), served.Body);
        Assert.Equal("HttpCaching; hit; ttl=50", served.CacheStatus);
        Assert.Equal(TimeSpan.FromSeconds(10), served.Age);

        Assert.Single(a.Origin.Requests);
        Assert.Empty(b.Origin.Requests);
    }

    /// <summary>
    /// A forces a refresh while v1 is still fresh and stores v2. Until B's near-cache window for the entry record has
    /// passed, B may serve v1, but only because it is still fresh (RFC 9111 §4.2 lets a cache serve any fresh stored
    /// response); with a window of zero it reads the entry record every time and serves v2 at once. Once the window
    /// has passed, B serves v2 from the store, and never asks its own origin.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task NewVersionStoredByOne_WhileTheOldIsFresh_IsSeenByTheOtherOnceItsNearCacheWindowHasPassed(int nearCacheEntrySeconds)
    {
        var window = TimeSpan.FromSeconds(nearCacheEntrySeconds);
        var a = Start(o => o.NearCacheEntryDuration = window);
        var b = Start(o => o.NearCacheEntryDuration = window);
        Assert.True((await a.GetAsync(Feed)).IsStored);

        _time.Advance(TimeSpan.FromSeconds(10));
        var old = await b.GetAsync(Feed);
        Assert.True(old.IsHit, old.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 1), old.Body);

        // The feed changes; A's caller asks for a fresh copy (Cache-Control: no-cache), so A validates, gets v2 and stores it.
        _time.Advance(TimeSpan.FromSeconds(1));
        _origin.Publish();
        var refreshed = await a.GetAsync(Feed, noCache: true);
        Assert.Equal(FeedOrigin.Body(Feed, 2), refreshed.Body);
        Assert.True(refreshed.IsStored, refreshed.CacheStatus);
        Assert.Equal(FeedOrigin.ETag(1), Assert.Single(a.Origin.Requests[1].Headers.IfNoneMatch).Tag);

        // Within B's window: v1 only while it is fresh by its own lifetime, or already v2.
        _time.Advance(TimeSpan.FromSeconds(1));
        var within = await b.GetAsync(Feed);
        Assert.True(within.IsHit, within.CacheStatus);
        Assert.Contains(within.Body, new[] { FeedOrigin.Body(Feed, 1), FeedOrigin.Body(Feed, 2) });
        if (within.Body == FeedOrigin.Body(Feed, 1))
        {
            Assert.True(within.Age < MaxAge, $"v1 served at age {within.Age}, past its max-age of {MaxAge}.");
        }

        if (window == TimeSpan.Zero)
        {
            Assert.Equal(FeedOrigin.Body(Feed, 2), within.Body);
        }

        // Past the window, counted from B's last request rather than from its read of the store at +10 s: a hit served
        // from the near cache currently keeps the entry record for another window.
        _time.Advance(window + TimeSpan.FromSeconds(1));
        var after = await b.GetAsync(Feed);
        Assert.True(after.IsHit, after.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 2), after.Body);
        Assert.Empty(b.Origin.Requests);
        Assert.Equal(2, a.Origin.Requests.Count);
    }

    /// <summary>
    /// B read v1 (and, with a window of 5 s, still holds it in memory) when v1 goes stale and A fetches v2. Whatever B's window, it must not serve the
    /// stale v1 (the origin is up and v1 has no stale-* allowance, RFC 9111 §4.2.4): it serves v2, from the store or
    /// from the origin. With a window of zero it finds v2 in the store without asking its origin.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task NewVersionStoredByOne_AfterTheOldWentStale_IsWhatTheOtherServes(int nearCacheEntrySeconds)
    {
        var window = TimeSpan.FromSeconds(nearCacheEntrySeconds);
        var a = Start(o => o.NearCacheEntryDuration = window);
        var b = Start(o => o.NearCacheEntryDuration = window);
        Assert.True((await a.GetAsync(Feed)).IsStored);

        // B reads v1 two seconds before it goes stale, so a window of 5 s still covers the moment it does.
        _time.Advance(TimeSpan.FromSeconds(58));
        var old = await b.GetAsync(Feed);
        Assert.Equal("HttpCaching; hit; ttl=2", old.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 1), old.Body);

        _time.Advance(TimeSpan.FromSeconds(3));
        _origin.Publish();
        var refetched = await a.GetAsync(Feed);
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=200; stored", refetched.CacheStatus);
        Assert.Equal(FeedOrigin.Body(Feed, 2), refetched.Body);

        _time.Advance(TimeSpan.FromSeconds(1));
        var served = await b.GetAsync(Feed);
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal(FeedOrigin.Body(Feed, 2), served.Body);
        if (served.IsHit)
        {
            Assert.Empty(b.Origin.Requests);
        }
        else
        {
            // B validated its stale v1 with its own origin, which sent v2.
            Assert.Equal(FeedOrigin.ETag(1), Assert.Single(Assert.Single(b.Origin.Requests).Headers.IfNoneMatch).Tag);
        }

        if (window == TimeSpan.Zero)
        {
            Assert.True(served.IsHit, served.CacheStatus);
        }
    }

    /// <summary>
    /// Both instances' first requests run at once on a schema that does not exist yet: every request succeeds and is
    /// stored, the schema, the table and its version row exist once, and exactly one instance reports the migration.
    /// </summary>
    [Fact]
    public async Task InstancesStartingTogether_OnAFreshSchema_CreateItOnce()
    {
        var schema = "multi_" + Guid.NewGuid().ToString("N");
        // Concurrent first requests of two instances: one would wait for the other's lease, and that wait follows the
        // application's clock, which this test's fake clock never moves (a lost "stored" message would leave it waiting
        // for its next poll). What is tested here is the migration, so the lease is left out.
        var a = Start(schema: schema, collapseAcrossInstances: false);
        _schema = schema;
        var b = Start(schema: schema, collapseAcrossInstances: false);
        string[] paths = ["/a.xml", "/b.xml", "/c.xml"];

        var replies = await Task.WhenAll(paths.SelectMany(p => new[] { a.GetAsync(p), b.GetAsync(p) }));

        for (var i = 0; i < replies.Length; i++)
        {
            var reply = replies[i];
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(FeedOrigin.Body(paths[i / 2], 1), reply.Body);
            Assert.True(reply.IsStored || reply.IsHit, reply.CacheStatus);
            Assert.DoesNotContain("detail=", reply.CacheStatus, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(a.Logs.GetSnapshot(), e => e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(b.Logs.GetSnapshot(), e => e.Level >= LogLevel.Warning);
        Assert.Single(a.Logs.GetSnapshot().Concat(b.Logs.GetSnapshot()), e => e.Category == StoreLogCategory && e.Id.Id == MigratedEventId);

        await using var sql = new PostgreSqlStores(() => _server.ConnectionString);
        Assert.Equal(1L, await sql.ScalarAsync<long>("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1", _schema));
        Assert.Equal(1L, await sql.ScalarAsync<long>(
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'",
            _schema, _table));
        Assert.Equal((long)SchemaMigrator.LatestVersion, await sql.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".httpcaching_migrations"));
        Assert.Equal(1L, await sql.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".httpcaching_migrations WHERE table_name = $1 AND version = 1", _table));

        // One body version and one entry per path, however many instances wrote them.
        Assert.Equal(2L * paths.Length, await sql.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".\"{_table}\""));
        foreach (var path in paths)
        {
            Assert.True((await a.GetAsync(path)).IsHit);
            Assert.True((await b.GetAsync(path)).IsHit);
        }

        Assert.Equal(replies.Count(r => !r.IsHit), a.Origin.Requests.Count + b.Origin.Requests.Count);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        if (_schema is not null)
        {
            await using var sql = new PostgreSqlStores(() => _server.ConnectionString);
            await sql.ScalarAsync<object>($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        }
    }

    private AppInstance Start(Action<ThirdPartyCachingOptions>? caching = null, string? schema = null, bool collapseAcrossInstances = true)
    {
        _server.EnsureAvailable();
        var app = AppInstance.Start(
            _time,
            _origin.CreateStub(),
            o =>
            {
                o.ConnectionString = _server.ConnectionString;
                o.TableName = _table;
                o.CollapseAcrossInstances = collapseAcrossInstances;
                if (schema is not null)
                {
                    o.SchemaName = schema;
                }
            },
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                caching?.Invoke(o);
            });
        _apps.Add(app);
        return app;
    }
}
