using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// Application instances (service providers) sharing a real PostgreSQL table: the backplane (LISTEN/NOTIFY) drops the
/// others' near-cache copies when one stores a new version, the lease (a row of the table) collapses the cold misses
/// of four instances into one origin request, the others still answer when the leader's origin request hangs, and the
/// LISTEN connection comes back after the server restarts. Every wait is for a condition, bounded; nothing asserts a
/// duration.
/// </summary>
public sealed class PostgreSqlCoordinationTests(PostgreSqlServerFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly List<AppInstance> _apps = [];
    private readonly string _table = "coord_" + Guid.NewGuid().ToString("N");
    private PostgreSqlServer? _server;
    private int _version = 1;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backplane_NewVersionStoredByOne_DropsTheOthersNearCacheEntry()
    {
        var a = Start(fixture.ConnectionString);
        var b = Start(fixture.ConnectionString);
        Assert.Equal("v1", (await b.GetAsync("/feed")).Body);
        await b.Coordinator.HearsAsync(a.Coordinator, Limit, Ct);

        var dropped = Dropped(b, "/feed");
        _version = 2;
        Assert.Equal("v2", (await a.GetAsync("/feed", noCache: true)).Body);
        await dropped.WaitAsync(Limit, Ct);

        Assert.Equal("v2", (await b.GetAsync("/feed")).Body);
        Assert.Single(b.Origin.Requests);
    }

    [Fact]
    public async Task Lease_FourInstancesFiftyConcurrentColdGets_OneOriginRequest()
    {
        var requests = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/cold", async (HttpContext context) =>
        {
            Interlocked.Increment(ref requests);
            // The leader holds the lease this long: long enough that, on a loaded CI machine, the last of the 200
            // requests starts before it ends (one that reads the store before the leader's write and asks for the
            // lease after its release asks the origin again, as documented).
            await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            return Fresh(context, "cold");
        }));
        var apps = Enumerable.Range(0, 4).Select(_ => Start(fixture.ConnectionString, network: true)).ToArray();

        // Each instance warm first (its store connection open, its code compiled), so the cold GETs are concurrent,
        // not the instances' start-up: one that started late would miss the lease's whole hold and, as documented,
        // ask the origin itself.
        await Task.WhenAll(apps.Select(app => GetAsync(app, origin.Url("/warm")))).WaitAsync(Limit, Ct);
        var replies = await Task.WhenAll(apps.SelectMany(app => Enumerable.Range(0, 50).Select(_ => GetAsync(app, origin.Url("/cold"))))).WaitAsync(Limit, Ct);

        Assert.All(replies, r => Assert.Equal((HttpStatusCode.OK, "cold"), r));
        Assert.Equal(1, Volatile.Read(ref requests));
    }

    [Fact]
    public async Task Lease_LeadersOriginRequestHangs_TheOthersStillAnswer()
    {
        var requests = 0;
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/slow", async (HttpContext context) =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                hung.TrySetResult();
                await release.Task.WaitAsync(context.RequestAborted);
            }

            return Fresh(context, "slow");
        }));
        var leader = Start(fixture.ConnectionString, network: true, leaseWait: TimeSpan.FromSeconds(1));
        var others = Enumerable.Range(0, 3).Select(_ => Start(fixture.ConnectionString, network: true, leaseWait: TimeSpan.FromSeconds(1))).ToArray();

        var first = GetAsync(leader, origin.Url("/slow"));
        await hung.Task.WaitAsync(Limit, Ct);
        var replies = await Task.WhenAll(others.SelectMany(app => Enumerable.Range(0, 5).Select(_ => GetAsync(app, origin.Url("/slow"))))).WaitAsync(Limit, Ct);

        Assert.All(replies, r => Assert.Equal((HttpStatusCode.OK, "slow"), r));
        Assert.False(first.IsCompleted);
        release.TrySetResult();
        Assert.Equal((HttpStatusCode.OK, "slow"), await first.WaitAsync(Limit, Ct));
    }

    [Fact]
    public async Task Backplane_ServerRestarted_ReconnectIsLoggedAndMessagesFlowAgain()
    {
        _server = await fixture.StartDedicatedServerAsync();
        var a = Start(_server.ConnectionString);
        var b = Start(_server.ConnectionString);
        Assert.Equal("v1", (await b.GetAsync("/feed")).Body);
        await b.Coordinator.HearsAsync(a.Coordinator, Limit, Ct);

        await _server.StopAsync();
        await b.Logs.WaitForAsync(HttpCaching.PostgreSql.Internal.PostgreSqlCacheStore.Log.BackplaneInterruptedId, cancellationToken: Ct).WaitAsync(Limit, Ct);
        await _server.StartAsync();
        await b.Coordinator.HearsAsync(a.Coordinator, Limit, Ct);
        Assert.NotEmpty(b.LogsWithId(HttpCaching.PostgreSql.Internal.PostgreSqlCacheStore.Log.BackplaneRestoredId));

        var dropped = Dropped(b, "/feed");
        _version = 2;
        for (var attempt = 0; !dropped.IsCompleted; attempt++)
        {
            Assert.True(attempt < 300, "B never heard of A's new version.");
            await a.GetAsync("/feed", noCache: true);
            await Task.WhenAny(dropped, Task.Delay(TimeSpan.FromMilliseconds(100), Ct));
        }

        Assert.Equal("v2", (await b.GetAsync("/feed")).Body);
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

    private static IResult Fresh(HttpContext context, string body)
    {
        context.Response.Headers.CacheControl = "max-age=600";
        context.Response.Headers.ETag = $"\"{body}\"";
        return Results.Text(body);
    }

    private static async Task<(HttpStatusCode, string)> GetAsync(AppInstance app, Uri url)
    {
        using var response = await app.Client.GetAsync(url, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Completes when <paramref name="app"/> hears that another instance changed the entry of <paramref name="path"/>.</summary>
    private static Task Dropped(AppInstance app, string path)
    {
        var entryKey = "httpcaching:" + AppInstance.ClientName + ":e:" + HttpCaching.Internal.CacheKeyBuilder.HashRequest("GET", new Uri(AppInstance.BaseAddress, path));
        return app.Coordinator.HeardChangeFromAnother(entryKey);
    }

    private AppInstance Start(string connectionString, bool network = false, TimeSpan? leaseWait = null)
    {
        var origin = new OriginStub(_ =>
        {
            var body = "v" + Volatile.Read(ref _version);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            response.Headers.Date = DateTimeOffset.UtcNow;
            response.Headers.ETag = new EntityTagHeaderValue($"\"{body}\"");
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            return response;
        });
        var app = AppInstance.Start(
            TimeProvider.System,
            origin,
            o =>
            {
                // Four instances share a server whose connections other tests use too: a small pool each.
                o.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 10 }.ConnectionString;
                o.TableName = _table;
                o.LeaseWait = leaseWait ?? o.LeaseWait;
            },
            caching: o =>
            {
                o.NearCacheEntryDuration = TimeSpan.FromMinutes(5);
                o.StoreTimeout = TimeSpan.FromSeconds(5);
            },
            network: network);
        _apps.Add(app);
        return app;
    }
}
