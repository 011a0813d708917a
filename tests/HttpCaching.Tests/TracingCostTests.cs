using System.Diagnostics;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// What tracing costs when no listener samples the source. These run alone (no other test's listener is alive), and
/// count only this thread's allocations of synchronous calls, so the count is exact.
/// </summary>
[Collection(HeapMeasurement.Name)]
public sealed class TracingCostTests
{
    private const string Url = "https://api.example.test/oembed?url=https%3A%2F%2Fsite.test%2Fpost";

    [Fact]
    public void NoListener_EveryTracingCallOfAHitAllocatesNothing()
    {
        Assert.False(HttpCachingTracing.Source.HasListeners());
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var exception = new InvalidOperationException();
        Hit(request, exception);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            Hit(request, exception);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // What the handler and the store guard call on a hit (and on a failure), in that order.
        static void Hit(HttpRequestMessage request, Exception exception)
        {
            using var activity = HttpCachingTracing.StartRequest("client", request);
            Assert.Null(activity);
            var current = HttpCachingTracing.CurrentRequest();
            HttpCachingTracing.RecordStoreCall(current, HttpCachingDiagnostics.StoreOperationGet, HttpCachingDiagnostics.StoreResultSuccess, TimeSpan.Zero);
            HttpCachingTracing.RecordStoreCall(current, HttpCachingDiagnostics.StoreOperationGet, HttpCachingDiagnostics.StoreResultSuccess, TimeSpan.Zero);
            HttpCachingTracing.RecordOutcome(HttpCachingDiagnostics.OutcomeHit, "HttpCaching; hit; ttl=60");
            HttpCachingTracing.ReturnTo(HttpCachingTracing.LeaveRequest());
            _ = HttpCachingTracing.RecordFailure(activity, exception);
        }
    }

    [Fact]
    public async Task ListenerThatDoesNotSample_NoActivityIsCreated()
    {
        var started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HttpCachingDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStarted = _ => Interlocked.Increment(ref started),
        };
        ActivitySource.AddActivityListener(listener);
        using var harness = new CachingHarness();
        Activity? seenByOrigin = null;
        harness.Origin.When(Url).Respond(_ =>
        {
            seenByOrigin = Activity.Current;
            return harness.Response("{}", "max-age=600");
        });

        using (await harness.GetAsync(Url))
        using (await harness.GetAsync(Url))
        {
        }

        Assert.Equal(0, started);
        Assert.Null(seenByOrigin);
    }
}
