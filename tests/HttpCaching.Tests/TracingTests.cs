using System.Diagnostics;
using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// The <c>HttpCaching</c> activity source: one activity per request an enabled handler handles, tagged with the
/// outcome and the parameters of its <c>Cache-Status</c>, with one event per store call, and never a query string, a
/// store key or a header value.
/// </summary>
public sealed class TracingTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost&key=TOPSECRET";
    private const string Path = "/oembed";

    [Fact]
    public async Task MissThenHit_EachRequestHasItsActivityWithOutcomeAndStoreCalls()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(clientNames: [client]);
        Activity? seenByOrigin = null;
        harness.Origin.When(Url).Respond(_ =>
        {
            seenByOrigin = Activity.Current;
            return harness.Response("{}", "max-age=600", "\"v1\"");
        });

        using (await harness.GetAsync(Url, client, r => r.Headers.TryAddWithoutValidation("X-Api-Key", "HEADERSECRET")))
        using (await harness.GetAsync(Url, client))
        {
        }

        var (miss, hit) = Two(recorder);
        Assert.Equal(HttpCachingDiagnostics.RequestActivityName, miss.OperationName);
        Assert.Equal(ActivityKind.Internal, miss.Kind);
        Assert.Same(miss, seenByOrigin);
        Assert.Equal(HttpCachingDiagnostics.ActivitySourceName, miss.Source.Name);
        foreach (var activity in new[] { miss, hit })
        {
            Assert.Equal(client, activity.Tag(HttpCachingDiagnostics.ClientNameTag));
            Assert.Equal("GET", activity.Tag(HttpCachingDiagnostics.RequestMethodTag));
            Assert.Equal(Path, activity.Tag(HttpCachingDiagnostics.UrlPathTag));
            Assert.Equal(ActivityStatusCode.Unset, activity.Status);
        }

        Assert.Equal(HttpCachingDiagnostics.OutcomeMiss, miss.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(HttpCachingDiagnostics.ForwardUriMiss, miss.Tag(HttpCachingDiagnostics.ForwardReasonTag));
        Assert.Equal(200, miss.Tag(HttpCachingDiagnostics.ForwardStatusTag));
        Assert.Equal(true, miss.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Equal(
            [("get", "success", 0d), ("get", "success", 0d), ("set", "success", 0d), ("set", "success", 0d)],
            miss.StoreCalls());

        Assert.Equal(HttpCachingDiagnostics.OutcomeHit, hit.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Null(hit.Tag(HttpCachingDiagnostics.ForwardReasonTag));
        Assert.Null(hit.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Equal([("get", "success", 0d), ("get", "success", 0d)], hit.StoreCalls());
        AssertNoSecrets(miss, hit);
    }

    [Fact]
    public async Task FloorHitAndRevalidation_DetailAndForwardStatusTagged()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.FromMinutes(1), clientNames: [client]);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=0", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=0", "\"v1\""));

        using (await harness.GetAsync(Url, client))
        using (await harness.GetAsync(Url, client))
        {
        }

        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using (await harness.GetAsync(Url, client))
        {
        }

        var activities = recorder.Stopped;
        Assert.Equal(3, activities.Count);
        Assert.Equal(HttpCachingDiagnostics.OutcomeHit, activities[1].Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(HttpCachingDiagnostics.DetailMinimumFreshness, activities[1].Tag(HttpCachingDiagnostics.DetailTag));
        var revalidated = activities[2];
        Assert.Equal(HttpCachingDiagnostics.OutcomeRevalidated, revalidated.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(HttpCachingDiagnostics.ForwardStale, revalidated.Tag(HttpCachingDiagnostics.ForwardReasonTag));
        Assert.Equal(304, revalidated.Tag(HttpCachingDiagnostics.ForwardStatusTag));
        Assert.Equal(false, revalidated.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Contains(("refresh", "success", 0d), revalidated.StoreCalls());
    }

    [Fact]
    public async Task UnsafeMethod_BypassWithTheMethodAndTheInvalidationRemove()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(clientNames: [client]);
        harness.Origin.When(HttpMethod.Post, Url).Respond(HttpStatusCode.NoContent);

        using (await harness.Client(client).PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken))
        {
        }

        var post = Assert.Single(recorder.Stopped);
        Assert.Equal("POST", post.Tag(HttpCachingDiagnostics.RequestMethodTag));
        Assert.Equal(HttpCachingDiagnostics.OutcomeBypass, post.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(HttpCachingDiagnostics.ForwardMethod, post.Tag(HttpCachingDiagnostics.ForwardReasonTag));
        Assert.Equal(204, post.Tag(HttpCachingDiagnostics.ForwardStatusTag));
        Assert.Equal(false, post.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Equal([("remove", "success", 0d)], post.StoreCalls());
        AssertNoSecrets(post);
    }

    [Fact]
    public async Task StoreHangs_TimeoutEventCarriesTheDurationOnTheAppClock()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        var clock = new TimerWatchingTimeProvider();
        var store = new ChaosDistributedCache(new RecordingDistributedCache(clock)) { GetFault = StoreFault.Hang };
        using var harness = new CachingHarness(
            o => o.StoreTimeout = TimeSpan.FromMilliseconds(300),
            registerStore: false,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IDistributedCache>(store),
            clientNames: [client]);
        clock.Attach(harness.Time);
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=600"));

        var armed = clock.NextTimer;
        var request = harness.GetAsync(Url, client);
        Assert.Same(armed, await Task.WhenAny(request, armed));
        clock.Advance(TimeSpan.FromMilliseconds(300));
        using (await request)
        {
        }

        var activity = Assert.Single(recorder.Stopped);
        Assert.Equal([("get", "timeout", 0.3)], activity.StoreCalls());
        Assert.Equal(HttpCachingDiagnostics.OutcomeMiss, activity.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(false, activity.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Equal(HttpCachingDiagnostics.DetailStoreFailed, activity.Tag(HttpCachingDiagnostics.DetailTag));
    }

    [Fact]
    public async Task BreakerOpen_StoreCallsRecordedAsSkipped()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(
            registerStore: false,
            services: s => s.AddSingleton<IDistributedCache>(ChaosDistributedCache.Down()),
            clientNames: [client]);
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=600"));

        for (var i = 0; i < 3; i++)
        {
            using (await harness.GetAsync(Url, client))
            {
            }
        }

        var activities = recorder.Stopped;
        // A miss reads, reads again before the write, then writes: the second request's read again is the fifth
        // failure in a row, which opens the breaker before its write.
        Assert.Equal([("get", "failure", 0d), ("get", "failure", 0d), ("set", "failure", 0d)], activities[0].StoreCalls());
        Assert.Equal([("get", "failure", 0d), ("get", "failure", 0d), ("set", HttpCachingDiagnostics.StoreResultBreakerOpen, 0d)], activities[1].StoreCalls());
    }

    [Fact]
    public async Task OriginThrows_ActivityFailsWithTheExceptionTypeOnly()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(clientNames: [client]);
        harness.Origin.When(Url).Throw(new HttpRequestException("Connection refused (api.example.test:443) for " + Url));

        await Assert.ThrowsAsync<HttpRequestException>(() => harness.GetAsync(Url, client));

        var activity = Assert.Single(recorder.Stopped);
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Null(activity.StatusDescription);
        Assert.Equal(typeof(HttpRequestException).FullName, activity.Tag(HttpCachingDiagnostics.ErrorTypeTag));
        Assert.Null(activity.Tag(HttpCachingDiagnostics.OutcomeTag));
        AssertNoSecrets(activity);
    }

    [Fact]
    public async Task ConcurrentCallers_FollowersTaggedCollapsed_OnlyTheLeaderMakesTheWrites()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(clientNames: [client]);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Origin.When(Url).Respond(async () =>
        {
            await gate.Task;
            return harness.Response("{}", "max-age=600", "\"v1\"");
        });
        // Started one after the other on this thread: the second has joined the first's origin request when its call
        // returns (see ConcurrentCallers).
        var first = harness.GetAsync(Url, client);
        var second = harness.GetAsync(Url, client);
        gate.SetResult();
        (await first).Dispose();
        (await second).Dispose();

        var activities = recorder.Stopped;
        Assert.Equal(2, activities.Count);
        var follower = Assert.Single(activities, a => Equals(a.Tag(HttpCachingDiagnostics.CollapsedTag), true));
        var leader = Assert.Single(activities, a => a.Tag(HttpCachingDiagnostics.CollapsedTag) is null);
        Assert.Equal(true, follower.Tag(HttpCachingDiagnostics.StoredTag));
        Assert.Equal([("get", "success", 0d)], follower.StoreCalls());
        Assert.Equal([("get", "success", 0d), ("get", "success", 0d), ("set", "success", 0d), ("set", "success", 0d)], leader.StoreCalls());
    }

    [Fact]
    public async Task StaleWhileRevalidate_BackgroundStoreCallsNotOnTheRequestThatStartedThem()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(1);
            },
            clientNames: [client]);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Activity? seenByBackground = null;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(async () =>
        {
            seenByBackground = Activity.Current;
            await gate.Task;
            return harness.Response("{}", "max-age=60", "\"v2\"");
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url, client))
        {
        }

        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (await harness.GetAsync(Url, client))
        {
        }

        // The background revalidation is under way, held at the origin; once let go, it stores v2.
        var stored = harness.Store.SetCount(CachingHarness.IsEntryKey);
        gate.SetResult();
        await Poll.UntilAsync(() => harness.Store.SetCount(CachingHarness.IsEntryKey) > stored, "the background revalidation stores the new entry");

        var stale = recorder.Stopped[1];
        Assert.Equal(HttpCachingDiagnostics.OutcomeStale, stale.Tag(HttpCachingDiagnostics.OutcomeTag));
        Assert.Equal(HttpCachingDiagnostics.DetailStaleWhileRevalidate, stale.Tag(HttpCachingDiagnostics.DetailTag));

        // Entry, body and the URL's back-off record (none): the background request's own calls are not on it.
        Assert.Equal([("get", "success", 0d), ("get", "success", 0d), ("get", "success", 0d)], stale.StoreCalls());
        Assert.Null(seenByBackground);
    }

    [Fact]
    public async Task HandlerDisabled_NoActivity()
    {
        var client = Client();
        using var recorder = new ActivityRecorder(client);
        using var harness = new CachingHarness(o => o.Enabled = false, clientNames: [client]);
        harness.Origin.When(Url).Respond(_ => harness.Response("{}", "max-age=600"));

        using (await harness.GetAsync(Url, client))
        {
        }

        Assert.Empty(recorder.Stopped);
    }

    private static string Client() => $"trace-{Guid.NewGuid():N}";

    private static (Activity First, Activity Second) Two(ActivityRecorder recorder)
    {
        var stopped = recorder.Stopped;
        Assert.Equal(2, stopped.Count);
        return (stopped[0], stopped[1]);
    }

    /// <summary>No tag of the activities or their events carries a query string, a store key or a header value.</summary>
    private static void AssertNoSecrets(params Activity[] activities)
    {
        foreach (var (key, value) in activities.SelectMany(a => a.AllTags()))
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            Assert.DoesNotContain("TOPSECRET", text, StringComparison.Ordinal);
            Assert.DoesNotContain("HEADERSECRET", text, StringComparison.Ordinal);
            Assert.DoesNotContain("?", text, StringComparison.Ordinal);
            Assert.DoesNotContain("httpcaching:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("api.example.test", text, StringComparison.Ordinal);
            Assert.NotEqual(string.Empty, key);
        }
    }
}
