using System.Net;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>Concurrent requests for one key share one origin request; each caller gets its own response.</summary>
public sealed class CoalescingTests
{
    private const string Url = "https://api.example.test/oembed?url=hot";
    private const string ProfileUrl = "https://api.example.test/profile";
    private const int Callers = 200;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ColdKey_ConcurrentCallers_OneOriginRequestAndIdenticalBodies()
    {
        using var harness = new CachingHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        harness.Origin.When(Url).Respond(async () =>
        {
            Interlocked.Increment(ref calls);
            await gate.Task;
            return harness.Response("{\"html\":\"<b>hot</b>\"}", "max-age=600", "\"h1\"");
        });

        var responses = await RunConcurrentlyAsync(harness, gate);

        Assert.Equal(1, calls);
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"html\":\"<b>hot</b>\"}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Single(responses, r => r.CacheStatus() == "HttpCaching; fwd=uri-miss; fwd-status=200; stored");
        Assert.Equal(Callers - 1, responses.Count(r => r.CacheStatus() == "HttpCaching; fwd=uri-miss; fwd-status=200; stored; collapsed"));
        Assert.Equal(Callers, responses.Select(r => r.Content).Distinct().Count());
        Assert.Equal(Callers, responses.Select(r => r).Distinct().Count());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task StaleKey_ConcurrentCallers_OneConditionalRequest()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var conditional = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"h1\"").Respond(async () =>
        {
            Interlocked.Increment(ref conditional);
            await gate.Task;
            return harness.NotModified("max-age=60", "\"h1\"");
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("stored body", "max-age=60", "\"h1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        var responses = await RunConcurrentlyAsync(harness, gate);

        Assert.Equal(1, conditional);
        foreach (var response in responses)
        {
            Assert.Equal("stored body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.StartsWith("HttpCaching; fwd=stale; fwd-status=304", response.CacheStatus());
            response.Dispose();
        }
    }

    [Fact]
    public async Task SharedRequestFails_EveryCallerSeesTheFailure()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        using var harness = new CachingHarness(origin: new LambdaHandler(async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await gate.Task;
            throw new HttpRequestException("Connection reset");
        }));

        var tasks = await StartConcurrentlyAsync(harness, gate, count: 20);

        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => task);
        }

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task SharedRequestFails_WithStoredResponse_EveryCallerGetsItStale()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failing = false;
        harness.Origin.When(Url).Respond(async () =>
        {
            if (!failing)
            {
                return harness.Response("last known good", "max-age=60", "\"h1\"");
            }

            await gate.Task;
            return harness.Response("down", status: HttpStatusCode.ServiceUnavailable);
        });
        await harness.GetAsync(Url);
        failing = true;
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        var responses = await RunConcurrentlyAsync(harness, gate, count: 20);

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("last known good", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.StartsWith("HttpCaching; fwd=stale; fwd-status=503; detail=origin-error", response.CacheStatus());
            response.Dispose();
        }
    }

    [Fact]
    public async Task OneCallerCancels_OthersStillGetTheResponse()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken originToken = default;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler(async (_, token) =>
        {
            originToken = token;
            reached.TrySetResult();
            await gate.Task;
            return self!.Response("shared", "max-age=600");
        }));

        // Started one after the other on this thread, the second caller has joined the first's request when its call
        // returns (see ConcurrentCallers).
        using var impatient = new CancellationTokenSource();
        var first = harness.Client().GetAsync(Url, impatient.Token);
        var second = harness.Client().GetAsync(Url, TestContext.Current.CancellationToken);
        await reached.Task;
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(originToken.IsCancellationRequested);
        gate.SetResult();

        using var response = await second;
        Assert.Equal("shared", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task EveryCallerCancels_SharedRequestIsCancelledAndNotJoinedAgain()
    {
        var calls = 0;
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken originToken = default;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler(async (_, token) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                originToken = token;
                started.TrySetResult();
                await stuck.Task.WaitAsync(token);
            }

            return self!.Response("fresh", "max-age=600");
        }));

        using var cancel = new CancellationTokenSource();
        var first = harness.Client().GetAsync(Url, cancel.Token);
        await started.Task;
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.True(originToken.IsCancellationRequested);

        using var next = await harness.GetAsync(Url);
        Assert.Equal("fresh", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, calls);
    }

    private static Task<Task<HttpResponseMessage>[]> StartConcurrentlyAsync(CachingHarness harness, TaskCompletionSource gate, int count = Callers)
    {
        var client = harness.Client();
        var tasks = ConcurrentCallers.Start(count, () => client.GetAsync(Url, TestContext.Current.CancellationToken));

        // Every caller waits on the one origin request before the origin answers.
        gate.SetResult();
        return Task.FromResult(tasks);
    }

    private static async Task<HttpResponseMessage[]> RunConcurrentlyAsync(CachingHarness harness, TaskCompletionSource gate, int count = Callers) =>
        await Task.WhenAll(await StartConcurrentlyAsync(harness, gate, count));

    [Fact]
    public async Task Reload_SharedTurnedOnWhileAPrivateCachesRequestIsUnderWay_AFollowerNeverGetsItsPrivateResponse()
    {
        // The client runs as a private cache (Shared = false); a reload makes it a shared cache while alice's request is
        // at the origin. Bob's request, made as a shared cache's, joins hers and is served her `private` response: the
        // store path refuses exactly this (IsPrivateForASharedCache, "during a rolling deploy that changed the setting").
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Clients:test:Shared"] = "false",
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        harness.Origin.When(ProfileUrl).Respond(async request =>
        {
            var user = request.Headers.TryGetValues("Cookie", out var cookie) ? string.Join(";", cookie) : "nobody";
            if (Interlocked.Increment(ref calls) == 1)
            {
                await gate.Task;
            }

            return harness.Response($"page of {user}", "private, max-age=600");
        });

        var client = harness.Client();
        using var aliceRequest = new HttpRequestMessage(HttpMethod.Get, ProfileUrl);
        aliceRequest.Headers.TryAddWithoutValidation("Cookie", "user=alice");
        var alice = client.SendAsync(aliceRequest, Ct);

        harness.Configuration["HttpCaching:Clients:test:Shared"] = "true";
        harness.Configuration.Reload();
        Assert.True(harness.Options().Shared);

        using var bobRequest = new HttpRequestMessage(HttpMethod.Get, ProfileUrl);
        bobRequest.Headers.TryAddWithoutValidation("Cookie", "user=bob");
        var bob = client.SendAsync(bobRequest, Ct);
        gate.SetResult();

        using var forAlice = await alice;
        using var forBob = await bob;
        Assert.Equal("page of user=alice", await forAlice.Content.ReadAsStringAsync(Ct));
        Assert.Equal("page of user=bob", await forBob.Content.ReadAsStringAsync(Ct));
    }
}
