using System.Net;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests;

/// <summary>
/// No origin request, foreground or background, holds a URL longer than <see cref="ThirdPartyCachingOptions.OriginTimeout"/>:
/// a stuck one is given up, its callers fall back to the stored response, and the next request starts a new one.
/// </summary>
public sealed class OriginTimeoutTests
{
    private const string Url = "https://feeds.example.test/stuck.rss";

    [Fact(Timeout = 30_000)]
    public async Task BackgroundRevalidationHangs_LaterRequestsStartANewOne()
    {
        var calls = 0;
        var never = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(1);
            },
            origin: new LambdaHandler((_, _) => Interlocked.Increment(ref calls) switch
            {
                1 => Task.FromResult(self!.Response("v1", "max-age=60", "\"v1\"")),
                // The background revalidation: an origin that never answers and ignores cancellation.
                2 => never.Task,
                _ => Task.FromResult(self!.Response("v2", "max-age=60", "\"v2\"")),
            }));
        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (var stale = await harness.GetAsync(Url))
        {
            Assert.Contains("detail=stale-while-revalidate", stale.CacheStatus(), StringComparison.Ordinal);
        }

        harness.Time.Advance(TimeSpan.FromHours(1));
        using var later = await harness.GetAsync(Url);

        Assert.Equal("v2", await later.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // The third call is a new run for the key: the stuck one no longer holds it.
        Assert.Equal(3, calls);
    }

    [Fact(Timeout = 30_000)]
    public async Task SharedRequestHangsPastOriginTimeout_CallersGetTheStoredResponse()
    {
        var origin = new StuckAfterFirst();
        using var harness = await origin.StartWithStaleEntryAsync();

        var first = harness.GetAsync(Url);
        await origin.Reached;
        var second = harness.GetAsync(Url);
        harness.Time.Advance(harness.Options().OriginTimeout);
        using var leader = await first;
        using var follower = await second;

        foreach (var response in new[] { leader, follower })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Contains("fwd=stale", response.CacheStatus(), StringComparison.Ordinal);
            Assert.Contains("detail=origin-unreachable", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(2, origin.Calls);
    }

    [Fact(Timeout = 30_000)]
    public async Task SharedRequestHangsWithoutStoredResponse_CallerSeesATimeoutAndTheNextStartsAnew()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler((_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                reached.TrySetResult();
                return never.Task;
            }

            return Task.FromResult(self!.Response("fresh", "max-age=60"));
        }));

        var stuck = harness.GetAsync(Url);
        await reached.Task;
        harness.Time.Advance(harness.Options().OriginTimeout);
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck);
        using var next = await harness.GetAsync(Url);

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal("fresh", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 30_000)]
    public async Task CallerGivesUpWhileWaiting_GetsTheStoredResponseWithinStaleIfError()
    {
        var origin = new StuckAfterFirst();
        using var harness = await origin.StartWithStaleEntryAsync();

        using var impatient = new CancellationTokenSource();
        var request = harness.Client().GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, impatient.Token);
        await origin.Reached;
        await impatient.CancelAsync();
        using var response = await request;

        Assert.Equal("v1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("fwd=stale", response.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task CallerGivesUpWhileWaiting_NoStoredResponse_Cancelled()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var harness = new CachingHarness(origin: new LambdaHandler((_, _) =>
        {
            reached.TrySetResult();
            return never.Task;
        }));

        using var impatient = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var request = harness.Client().GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, impatient.Token);
        await reached.Task.WaitAsync(TestContext.Current.CancellationToken);
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
    }

    /// <summary>An origin that answers the first request with a stored-to-be v1, then never answers, ignoring cancellation.</summary>
    private sealed class StuckAfterFirst
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<HttpResponseMessage> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        /// <summary>Completes when a request reaches the origin after the first.</summary>
        public Task Reached => _reached.Task;

        /// <summary>A harness with v1 stored (max-age=60, no floor) and two minutes later: stale.</summary>
        public async Task<CachingHarness> StartWithStaleEntryAsync()
        {
            CachingHarness? self = null;
            var harness = self = new CachingHarness(
                o => o.MinimumFreshness = TimeSpan.Zero,
                origin: new LambdaHandler((_, _) =>
                {
                    if (Interlocked.Increment(ref _calls) == 1)
                    {
                        return Task.FromResult(self!.Response("v1", "max-age=60", "\"v1\""));
                    }

                    _reached.TrySetResult();
                    return _never.Task;
                }));
            (await harness.GetAsync(Url)).Dispose();
            harness.Time.Advance(TimeSpan.FromMinutes(2));
            return harness;
        }
    }
}
