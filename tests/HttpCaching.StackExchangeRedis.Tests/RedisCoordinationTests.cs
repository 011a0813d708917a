using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.PostgreSql.Tests.Helpers;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// Application instances (service providers) sharing a real Redis: the backplane drops the others' near-cache copies
/// when one stores a new version, the lease collapses the cold misses of four instances into one origin request, the
/// others still answer when the leader's origin request hangs, and the backplane comes back after Redis restarts.
/// Every wait is for a condition (an event, a log entry), bounded; nothing asserts a duration.
/// </summary>
public sealed class RedisCoordinationTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly List<RedisApp> _apps = [];
    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..8] + ":";
    private RedisServer? _server;
    private int _version = 1;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backplane_NewVersionStoredByOne_DropsTheOthersNearCacheEntry()
    {
        var a = Start(fixture.Endpoint);
        var b = Start(fixture.Endpoint);
        Assert.Equal("v1", (await b.GetAsync("feed")).Body);
        await b.Coordinator.HearsAsync(a.Coordinator, Limit, Ct);

        var dropped = Dropped(b, "feed");
        _version = 2;
        Assert.Equal("v2", await RefreshAsync(a, "feed"));
        await dropped.WaitAsync(Limit, Ct);

        // B's near-cache window is five minutes: only the message makes it read the store again.
        Assert.Equal("v2", (await b.GetAsync("feed")).Body);
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
        var apps = Enumerable.Range(0, 4).Select(_ => Start(fixture.Endpoint, network: true)).ToArray();

        // Each instance warm first (its store connection open, its code compiled), so the cold GETs are concurrent,
        // not the instances' start-up: one that started late would miss the lease's whole hold and, as documented,
        // ask the origin itself.
        await Task.WhenAll(apps.Select(app => GetAsync(app, origin.Url("/warm")))).WaitAsync(Limit, Ct);
        var replies = await Task.WhenAll(apps.SelectMany((app, i) => Enumerable.Range(0, 50).Select(async _ => (i, await GetWithStatusAsync(app, origin.Url("/cold")))))).WaitAsync(Limit, Ct);

        Assert.All(replies, r => Assert.Equal((HttpStatusCode.OK, "cold"), (r.Item2.Status, r.Item2.Body)));

        // One origin request while the store answers. A lease the store could not grant (a connection that a starved
        // machine let time out) or a wait that ran out means fetching at once, as documented, and is logged: then
        // each instance fetches at most once, still never once per request.
        var degraded = apps.Any(app => app.Logs.GetSnapshot().Any(l =>
            l.Id.Id is HttpCachingDiagnostics.CacheCoordinationFailedEventId or HttpCachingDiagnostics.CacheLeaseWaitEndedEventId));
        // On failure, what each instance did: the Cache-Status of its replies and what it logged above Debug.
        Assert.True(
            degraded ? Volatile.Read(ref requests) <= apps.Length : Volatile.Read(ref requests) == 1,
            $"{Volatile.Read(ref requests)} origin requests. Replies: "
                + string.Join("; ", replies.GroupBy(r => (r.i, r.Item2.CacheStatus)).Select(g => $"app {g.Key.i}: {g.Count()} × {g.Key.CacheStatus}"))
                + ". Logs: "
                + string.Join(" | ", apps.SelectMany((app, i) => app.Logs.GetSnapshot().Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Debug && l.Category?.StartsWith("System.Net.Http", StringComparison.Ordinal) != true && l.Id.Name != "CacheForward").Select(l => $"app {i} {l.Id.Name}: {l.Message}"))));
    }

    private static async Task<(HttpStatusCode Status, string Body, string CacheStatus)> GetWithStatusAsync(RedisApp app, Uri url)
    {
        using var response = await app.Client.GetAsync(url, Ct);
        var cacheStatus = response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(",", values) : "none";
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), cacheStatus);
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
        var leader = Start(fixture.Endpoint, network: true, leaseWait: TimeSpan.FromSeconds(1));
        var others = Enumerable.Range(0, 3).Select(_ => Start(fixture.Endpoint, network: true, leaseWait: TimeSpan.FromSeconds(1))).ToArray();

        var first = GetAsync(leader, origin.Url("/slow"));
        await hung.Task.WaitAsync(Limit, Ct);
        var replies = await Task.WhenAll(others.SelectMany(app => Enumerable.Range(0, 5).Select(_ => GetAsync(app, origin.Url("/slow"))))).WaitAsync(Limit, Ct);

        Assert.All(replies, r => Assert.Equal((HttpStatusCode.OK, "slow"), r));
        Assert.False(first.IsCompleted);
        release.TrySetResult();
        Assert.Equal((HttpStatusCode.OK, "slow"), await first.WaitAsync(Limit, Ct));
    }

    [Fact]
    public async Task Backplane_RedisKilledAndRestarted_ReconnectIsLoggedAndMessagesFlowAgain()
    {
        _server = await fixture.StartDedicatedServerAsync();
        var a = Start(_server.Endpoint);
        var b = Start(_server.Endpoint);
        Assert.Equal("v1", (await b.GetAsync("feed")).Body);
        await b.Coordinator.HearsAsync(a.Coordinator, Limit, Ct);

        // On a busy machine B's first subscription can race its connection and be retried: that was another outage.
        var warningsBefore = Warnings(b);
        var interruptedBefore = b.StoreLogs(RedisHttpCacheDiagnostics.BackplaneInterruptedEventId).Count;
        var restoredBefore = b.StoreLogs(RedisHttpCacheDiagnostics.BackplaneRestoredEventId).Count;
        await _server.KillAsync();
        await WaitForLogAsync(b, RedisHttpCacheDiagnostics.BackplaneInterruptedEventId, interruptedBefore);
        await _server.StartAsync();
        await WaitForLogAsync(b, RedisHttpCacheDiagnostics.BackplaneRestoredEventId, restoredBefore);

        // The restarted Redis is empty; A stores v2 there (once its own connection is back) and B hears of it.
        var dropped = Dropped(b, "feed");
        _version = 2;
        for (var attempt = 0; !dropped.IsCompleted; attempt++)
        {
            Assert.True(attempt < 300, "B never heard of A's new version.");
            await RefreshAsync(a, "feed");
            await Task.WhenAny(dropped, Task.Delay(TimeSpan.FromMilliseconds(100), Ct));
        }

        Assert.Equal("v2", (await b.GetAsync("feed")).Body);
        Assert.Equal(warningsBefore + 1, Warnings(b));

        static int Warnings(RedisApp app) =>
            app.StoreLogs(RedisHttpCacheDiagnostics.BackplaneInterruptedEventId).Count(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
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

    private static async Task<(HttpStatusCode, string)> GetAsync(RedisApp app, Uri url)
    {
        using var response = await app.Client.GetAsync(url, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Completes when <paramref name="app"/> hears that another instance changed the entry of <paramref name="path"/>.</summary>
    private static Task Dropped(RedisApp app, string path)
    {
        var entryKey = "httpcaching:" + RedisApp.ClientName + ":e:" + HttpCaching.Internal.CacheKeyBuilder.HashRequest("GET", new Uri(RedisApp.BaseAddress, path));
        return app.Coordinator.HeardChangeFromAnother(entryKey);
    }

    private static async Task<string> RefreshAsync(RedisApp app, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(RedisApp.BaseAddress, path));
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        using var response = await app.Client.SendAsync(request, Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>
    /// Completes when the store has logged <paramref name="eventId"/> more than <paramref name="seen"/> times (looked at
    /// as records arrive, no polling); fails after 30 s.
    /// </summary>
    private static async Task WaitForLogAsync(RedisApp app, int eventId, int seen = 0)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            // Listening first, then looking at what is there: a record written in between wakes the loop.
            var records = app.Logs.GetLogsAsync(limit.Token).GetAsyncEnumerator(limit.Token);
            await using (records.ConfigureAwait(false))
            {
                var next = records.MoveNextAsync();
                while (app.StoreLogs(eventId).Count <= seen)
                {
                    if (!await next)
                    {
                        break;
                    }

                    next = records.MoveNextAsync();
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail($"No log entry with event id {eventId} within 30 s.");
        }
    }

    private RedisApp Start(string endpoint, bool network = false, TimeSpan? leaseWait = null)
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
        var app = RedisApp.Start(
            o =>
            {
                o.Configuration = endpoint;
                o.KeyPrefix = _prefix;
                o.LeaseWait = leaseWait ?? o.LeaseWait;
            },
            origin,
            caching: o =>
            {
                o.NearCacheEntryDuration = TimeSpan.FromMinutes(5);
                o.StoreTimeout = TimeSpan.FromSeconds(2);
            },
            network: network);
        _apps.Add(app);
        return app;
    }
}
