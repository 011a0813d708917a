using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Tests;

/// <summary>
/// Several application instances (service providers) sharing one store and one <see cref="IHttpCacheCoordinator"/>
/// (a <see cref="FakeCoordinationHub"/>) on one fake clock: the backplane drops other instances' near-cache copies, and
/// the lease makes one instance fetch a cold URL while the others wait, bounded, for what it stores.
/// </summary>
public sealed class CoordinationTests : IDisposable
{
    private const string Url = "https://feeds.example.test/coordinated.rss?api_key=s3cr3t";

    /// <summary>Longer than any wait of a test: a condition that needs more has failed.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    /// <summary>The instances' clock: <see cref="_clock"/>, watched so that a test knows when a poll timer is armed.</summary>
    private readonly TimerWatchingTimeProvider _time;
    private readonly RecordingDistributedCache _store;
    private readonly FakeCoordinationHub _hub;
    private readonly List<CachingHarness> _apps = [];

    public CoordinationTests()
    {
        _time = new TimerWatchingTimeProvider(_clock);
        _store = new RecordingDistributedCache(_clock);
        _hub = new FakeCoordinationHub(_clock);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backplane_AnotherInstanceStoresANewVersion_DropsTheNearCacheEntry()
    {
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));

        // A's caller asks for a fresh copy: A validates, gets v2 and stores it; B's copy is dropped at once, although its
        // near-cache window (five minutes) has not passed and the clock has not moved.
        using (var refreshed = await a.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal("v2", await b.GetStringAsync(Url));
        Assert.Equal(1, originB.Requests);
    }

    [Fact]
    public async Task Backplane_OwnMessages_AreIgnored()
    {
        var a = Start(new Origin(_clock, "v1"));
        Assert.Equal("v1", await a.GetStringAsync(Url));
        Assert.NotEmpty(_hub.Messages);
        _store.ClearLog();

        // The hub delivered A's own message to A; A kept its copy, so this hit costs no store round trip.
        using var hit = await a.GetAsync(Url);
        Assert.StartsWith("HttpCaching; hit", hit.Headers.GetValues(HttpCachingDiagnostics.CacheStatusHeader).Single(), StringComparison.Ordinal);
        Assert.Empty(_store.Reads);
    }

    [Fact]
    public async Task Backplane_UnsafeMethodOnAnotherInstance_DropsTheNearCacheEntry()
    {
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));

        using (var posted = await a.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        // The entry is gone from the store and from B's memory: B asks its origin again.
        Assert.Equal("v1", await b.GetStringAsync(Url));
        Assert.Equal(2, originB.Requests);
    }

    [Fact]
    public async Task Backplane_RemovalRetriedOnceTheStoreTakesIt_AnnouncedToTheOthersToo()
    {
        // A's POST comes while the store refuses removals: A remembers the removal and says nothing. When A's next read
        // gets the removal through, the other instances hear of it then (A's own fetch stores nothing that would tell).
        // (No leases: a holder that stores nothing wakes the others with a message of its own.)
        _hub.CollapseAcrossInstances = false;
        var store = new ChaosDistributedCache(_store) { RemoveFault = StoreFault.Throw };
        var a = Start(new Origin(_clock, "v2", noStore: true), store);
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));

        using (await a.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
        }

        var heard = _hub.Messages.Count;
        store.RemoveFault = StoreFault.None;
        Assert.Equal("v2", await a.GetStringAsync(Url));

        Assert.True(_hub.Messages.Count > heard, "the retried removal was announced");
        Assert.Equal("v1", await b.GetStringAsync(Url));
        Assert.Equal(2, originB.Requests);
    }

    [Fact]
    public async Task Backplane_RemovalTheStoreRefused_RetriedOnceItAnswersAgain_WithoutAReadOfThatUrl()
    {
        // A's POST comes while the store refuses removals. Once the store answers again (A reads another URL), A makes
        // the removal in the background and announces it: B, whose near-cache window is five minutes, asks its origin.
        _hub.CollapseAcrossInstances = false;
        var store = new ChaosDistributedCache(_store) { RemoveFault = StoreFault.Throw };
        var a = Start(new Origin(_clock, "v2"), store);
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));

        using (await a.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
        }

        var heard = _hub.Messages.Count;
        store.RemoveFault = StoreFault.None;
        Assert.Equal("v2", await a.GetStringAsync("https://feeds.example.test/other.rss"));

        await Poll.UntilAsync(() => _hub.Messages.Count > heard + 1, "the refused removal is retried and announced");
        Assert.Equal("v1", await b.GetStringAsync(Url));
        Assert.Equal(2, originB.Requests);
    }

    [Fact]
    public async Task Backplane_PendingRecord_AnotherInstancesChangeWins_PastTheStoreOutage()
    {
        // A's write of v1 fails (pending: A keeps serving it). B then stores v2, which goes through: A hears of it and
        // serves what the store holds from then on, not its own older copy for the record's lifetime.
        var store = new ChaosDistributedCache(_store) { SetFault = StoreFault.Throw };
        var a = Start(new Origin(_clock, "v1"), store);
        var b = Start(new Origin(_clock, "v2"));
        Assert.Equal("v1", await a.GetStringAsync(Url));
        Assert.Equal("v1", await a.GetStringAsync(Url));

        using (var refreshed = await b.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(Ct));
        }

        store.SetFault = StoreFault.None;
        Assert.Equal("v2", await a.GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_NewVersionTheStoreDidNotTake_OthersStopServingTheOlderOne()
    {
        // B stores v1. A's caller asks for a fresh copy and gets v2, which the store does not take: A keeps serving v2
        // from memory (pending). The store's v1 is removed and the removal announced, so B, whose near-cache window is
        // five minutes, does not go on serving v1 after A served v2.
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        var a = Start(new Origin(_clock, "v2"), new ChaosDistributedCache(_store) { SetFault = StoreFault.Throw });

        using (var refreshed = await a.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal("v2", await a.GetStringAsync(Url));
        await b.GetStringAsync(Url);
        Assert.Equal(2, originB.Requests);
    }

    [Fact]
    public async Task Lease_TakenAtTheFirstAttemptAfterAnotherInstanceStored_TheStoreIsReadAgainNotTheOrigin()
    {
        // A's request reads the store (nothing), and before it asks for the lease (a loaded machine, a slow scheduler)
        // B fetches, stores and lets its lease go. A gets the lease at its first attempt: it reads the store once more
        // and serves what B stored, without a second origin request.
        var originA = new Origin(_clock, "v1");
        var a = Start(originA);
        var b = Start(new Origin(_clock, "v2"));
        _hub.BeforeNextLeaseAttempt(async () => Assert.Equal("v2", await b.GetStringAsync(Url)));

        Assert.Equal("v2", await a.GetStringAsync(Url));
        Assert.Equal(0, originA.Requests);
    }

    [Theory]
    [InlineData(0, 2000)]
    [InlineData(700, 500)]
    public async Task Fetch_ANewerVersionWasStoredMeanwhile_TheNewerOneStays(int startMilliseconds, int tookMilliseconds)
    {
        // While A's origin request is under way, B's caller asks for a fresh copy and B stores v2, dated after A's v1. A
        // serves its caller v1 but does not write it over v2: an instance that reads the store next gets v2, not the
        // older version. However quick A's request: one of half a second that spans the turn of a second (from
        // 09:00:00.7, v1 dated 09:00:00, to 09:00:01.2, v2 dated 09:00:01) is overtaken as surely as a slow one.
        _clock.Advance(TimeSpan.FromMilliseconds(startMilliseconds));
        var originA = new Origin(_clock, "v1", hold: true, dateOnArrival: true);
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(Start(originA), originA.Reached, originA.Release, Start(new Origin(_clock, "v2")), TimeSpan.FromMilliseconds(tookMilliseconds));
        using (slow)
        {
            Assert.Equal("v2", fresh);
            Assert.Equal("v1", await slow.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailSuperseded, slow.CacheStatus(), StringComparison.Ordinal);
        }

        var c = Start(new Origin(_clock, "v3"));
        Assert.Equal("v2", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task SlowFetch_ANewerVersionOfTheVariantWasStoredMeanwhile_TheNewerOneStays()
    {
        // The same race on a response that varies by Cookie: B stored alice's newer variant under the Vary record.
        var originA = new Origin(_clock, "v1", hold: true, varyByCookie: true, dateOnArrival: true);
        var (_, slow) = await WhileSlowAnotherStoresAsync(
            Start(originA), originA.Reached, originA.Release, Start(new Origin(_clock, "v2", varyByCookie: true)), TimeSpan.FromSeconds(2), cookie: "alice");
        using (slow)
        {
            Assert.Equal("v1 for alice", await slow.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailSuperseded, slow.CacheStatus(), StringComparison.Ordinal);
        }

        var c = Start(new Origin(_clock, "v3", varyByCookie: true));
        using var next = await c.GetAsync(Url, configure: r => r.Headers.Add("Cookie", "alice"));
        Assert.Equal("v2 for alice", await next.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    public async Task SlowFetch_TheVersionStoredMeanwhileIsDatedPastTheRequest_DoesNotCountAsNewer(int secondsAhead, bool written)
    {
        // B's origin clock is ahead: its v2 is dated later than any response the origin could have dated while A's
        // request (two seconds) was under way, with two seconds' slack. Such a Date says nothing of which is newer (nor
        // may an origin pin its response in place with a far-future Date): the last write wins, as without the check.
        var originA = new Origin(_clock, "v1", hold: true, dateOnArrival: true);
        var b = Start(new Origin(_clock, "v2", dateSkew: TimeSpan.FromSeconds(secondsAhead - 2)));
        var (_, slow) = await WhileSlowAnotherStoresAsync(Start(originA), originA.Reached, originA.Release, b, TimeSpan.FromSeconds(2));
        slow.Dispose();

        var c = Start(new Origin(_clock, "v3"));
        Assert.Equal(written ? "v1" : "v2", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task SlowFetch_AVersionOfTheSameDateWasStoredMeanwhile_TheSlowOneIsWritten()
    {
        // B stores v2 with the same Date as A's slow v1 (one-second resolution: neither is known to be newer). The
        // last write wins, as without the check.
        var originA = new Origin(_clock, "v1", hold: true, dateOnArrival: true);
        var (_, slow) = await WhileSlowAnotherStoresAsync(
            Start(originA), originA.Reached, originA.Release, Start(new Origin(_clock, "v2")), beforeFresh: TimeSpan.Zero, afterFresh: TimeSpan.FromSeconds(2));
        using (slow)
        {
            Assert.EndsWith("; stored", slow.CacheStatus(), StringComparison.Ordinal);
        }

        var c = Start(new Origin(_clock, "v3"));
        Assert.Equal("v1", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task SlowFetch_ANewerVaryingVersionWasStoredMeanwhile_TheOlderOneThatDoesNotVaryIsNotWrittenOverIt()
    {
        // The slow (older) response does not vary, the newer one B stored does: the newer one is found under the Vary
        // record stored now, for the variant the slow request selects, and stays.
        var originA = new Origin(_clock, "v1", hold: true, dateOnArrival: true);
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(
            Start(originA), originA.Reached, originA.Release, Start(new Origin(_clock, "v2", varyByCookie: true)), TimeSpan.FromSeconds(2), cookie: "alice");
        using (slow)
        {
            Assert.Equal("v2 for alice", fresh);
            Assert.Equal("v1", await slow.Content.ReadAsStringAsync(Ct));
        }

        var c = Start(new Origin(_clock, "v3", varyByCookie: true));
        using var next = await c.GetAsync(Url, configure: r => r.Headers.Add("Cookie", "alice"));
        Assert.Equal("v2 for alice", await next.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(0, 2000)]
    [InlineData(700, 500)]
    public async Task Revalidation_ANewerVersionWasStoredMeanwhile_The304DoesNotWriteTheOlderOneOverIt(int startMilliseconds, int tookMilliseconds)
    {
        // A's origin request is a revalidation answered 304 (dated when it arrived, before B's v2; with half a second
        // across the turn of a second, one second before it): the refreshed v1 is served to A's caller and not written
        // over v2.
        var originA = new RevalidatingOrigin(_clock);
        var a = Start(originA);
        Assert.Equal("v1", await a.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMilliseconds(startMilliseconds));
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(
            a, originA.Revalidating, originA.Release, Start(new Origin(_clock, "v2")), TimeSpan.FromMilliseconds(tookMilliseconds), slowRequest: NoCache);
        using (slow)
        {
            Assert.Equal("v2", fresh);
            Assert.Equal("v1", await slow.Content.ReadAsStringAsync(Ct));
        }

        var c = Start(new Origin(_clock, "v3"));
        Assert.Equal("v2", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task SlowRevalidationForAnAuthorizedCaller_Superseded_ThoseWhoJoinedDoNotGetItsFields()
    {
        // A stale v1 is revalidated for a caller with Authorization; an anonymous caller joins that revalidation. The
        // 304 (which names the user, and does not say it may be shared) comes late, after B stored v2: superseded, it
        // is the authorized caller's only. The anonymous caller asks for itself.
        var originA = new RevalidatingOrigin(_clock);
        var a = Start(originA);
        Assert.Equal("v1", await a.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMinutes(11));
        var authorized = a.GetAsync(Url, configure: r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "bob"));
        await originA.Revalidating.WaitAsync(Limit, Ct);
        var joined = a.GetAsync(Url);
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(a, Task.CompletedTask, originA.Release, Start(new Origin(_clock, "v2")), TimeSpan.FromSeconds(2), slowRequest: null, pending: authorized);
        using (slow)
        {
            Assert.Equal("v2", fresh);
            Assert.Equal("bob", Assert.Single(slow.Headers.GetValues("X-User")));
        }

        using var anonymous = await joined.WaitAsync(Limit, Ct);
        Assert.False(anonymous.Headers.Contains("X-User"), "a joined caller got the fields of a 304 to another caller's credentials");
    }

    [Fact]
    public async Task SlowCallerConditional_ANewerVersionWasStoredMeanwhile_The304DoesNotWriteTheOlderOneOverIt()
    {
        // The caller's own conditional GET (a browser revalidating through the proxy) goes to the origin as it is. A slow
        // 304 for it refreshes v1 for that caller, but is not written over the v2 that B stored meanwhile.
        var originA = new RevalidatingOrigin(_clock);
        var a = Start(originA);
        Assert.Equal("v1", await a.GetStringAsync(Url));
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(
            a,
            originA.Revalidating,
            originA.Release,
            Start(new Origin(_clock, "v2")),
            TimeSpan.FromSeconds(2),
            slowRequest: r => (r.Headers.CacheControl, _) = (new CacheControlHeaderValue { NoCache = true }, r.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"")));
        using (slow)
        {
            Assert.Equal("v2", fresh);
            Assert.Equal(HttpStatusCode.NotModified, slow.StatusCode);
        }

        var c = Start(new Origin(_clock, "v3"));
        Assert.Equal("v2", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task Superseded_WithoutBackplane_TheInstanceDoesNotGoBackToTheVersionBeforeTheOneItServed()
    {
        // No backplane (memcached, or a dropped message). A has v0 in its near cache. A's caller asks for a fresh copy:
        // the slow origin answers v1, which A serves; meanwhile B stored v2, dated later, so v1 is not written. A drops
        // its copy of v0 too, and does not serve it after it served v1.
        _hub.Backplane = false;
        var originA = new SequenceOrigin(_clock, holdRequest: 2, "v0", "v1");
        var a = Start(originA);
        Assert.Equal("v0", await a.GetStringAsync(Url));
        var (fresh, slow) = await WhileSlowAnotherStoresAsync(
            a, originA.Held, originA.Release, Start(new Origin(_clock, "v2")), TimeSpan.FromSeconds(2), slowRequest: NoCache);
        using (slow)
        {
            Assert.Equal("v2", fresh);
            Assert.Equal("v1", await slow.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailSuperseded, slow.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.NotEqual("v0", await a.GetStringAsync(Url));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NewVersionTheStoreDidNotTake_RemovalRefusedToo_MadeOnceTheStoreAnswersAgain(bool optionsReloaded)
    {
        // A store that refuses writes and removals alike (a Redis client on a read-only replica after a failover: SET and
        // DEL fail, GET works). A serves v2, whose write fails, and so do both attempts (in the request, then in the
        // background) to remove v1. Once the store takes them again and A reads from it (another URL), the removal is
        // made and announced: B does not serve v1 from its near cache or the store after A served v2.
        var chaos = new ChaosDistributedCache(_store);
        var originB = new Origin(_clock, "v1");
        var b = Start(originB, chaos);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        var a = Start(new Origin(_clock, "v2"), chaos);
        chaos.SetFault = StoreFault.Throw;
        chaos.RemoveFault = StoreFault.Throw;
        var throwsBefore = chaos.Throws;
        using (var refreshed = await a.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(Ct));
        }

        // The body write, the removal in the request, the removal in the background.
        await Poll.UntilAsync(() => chaos.Throws >= throwsBefore + 3, "both removals were refused");
        if (optionsReloaded)
        {
            // New options build the client's store tier anew; the refused removal is the client's, and stays.
            a.Configuration["HttpCaching:Clients:test:OriginBackoff"] = "00:00:31";
            a.Configuration.Reload();
        }

        chaos.AllFaults = StoreFault.None;
        Assert.Contains(_store.Keys, CachingHarness.IsEntryKey);
        var heard = _hub.Delivered.Count;
        Assert.Equal("v2", await a.GetStringAsync("https://feeds.example.test/other.rss"));
        Assert.Equal(optionsReloaded ? TimeSpan.FromSeconds(31) : TimeSpan.FromSeconds(30), a.Options().OriginBackoff);

        // Each read of the store retries what it refused; the background refusal may be remembered only after the first
        // such read, so A reads other URLs until the removal is made and its announcement delivered (B dropped its copy).
        var entryOfUrl = CacheKeyBuilder.HashRequest("GET", new Uri(Url));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        bool Announced() => _hub.Delivered.Skip(heard).Any(m => m.EndsWith(":e:" + entryOfUrl, StringComparison.Ordinal));
        for (var other = 0; _store.Keys.Any(k => CachingHarness.IsEntryKey(k) && k.EndsWith(entryOfUrl, StringComparison.Ordinal)) || !Announced(); other++)
        {
            Assert.True(watch.Elapsed < Poll.Limit, "Not seen: the older entry removed and the removal announced.");
            await a.GetStringAsync($"https://feeds.example.test/other-{other}.rss");
        }

        // B fetches anew (its origin answers "v1", a new response), or reads the v2 that A wrote back meanwhile (its
        // pending write goes through once the store answers): never its own stored copy of v1 again.
        var seen = await b.GetStringAsync(Url);
        Assert.True(originB.Requests == 2 || seen == "v2", $"B served its stored v1 ({seen}) after A served v2.");
    }

    [Fact]
    public async Task NewVersionTheStoreDidNotTake_ANewerOneAnotherInstanceStoredMeanwhile_IsNotRemoved()
    {
        // A read v1 and asked the origin; meanwhile B stored (and served) v2. A's own write fails (A's connection refuses
        // writes): A removes the v1 it read only if the store still holds it, so B's newer v2 stays.
        var b = Start(new Origin(_clock, "v1"));
        Assert.Equal("v1", await b.GetStringAsync(Url));
        var originA = new Origin(_clock, "vA", hold: true);
        var a = Start(originA, new ChaosDistributedCache(_store) { SetFault = StoreFault.Throw });
        var slow = a.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true });
        await originA.Reached.WaitAsync(Limit, Ct);
        var originB2 = new Origin(_clock, "v2");
        var b2 = Start(originB2);
        using (var refreshed = await b2.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
            Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync(Ct));
        }

        originA.Release();
        using (await slow.WaitAsync(Limit, Ct))
        {
        }

        var originC = new Origin(_clock, "v3");
        var c = Start(originC);
        Assert.Equal("v2", await c.GetStringAsync(Url));
        Assert.Equal(0, originC.Requests);
    }

    /// <summary>
    /// Answers the first request 200 "v1" (ETag "v1"); a revalidation is held until released, then answered 304 dated when
    /// it arrived. A response to a request with <c>Authorization</c> names its user in <c>X-User</c>.
    /// </summary>
    private sealed class RevalidatingOrigin(TimeProvider time) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _revalidating = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Revalidating => _revalidating.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var arrived = time.GetUtcNow();
            HttpResponseMessage response;
            if (request.Headers.IfNoneMatch.Count > 0)
            {
                _revalidating.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
                response = new HttpResponseMessage(HttpStatusCode.NotModified);
            }
            else
            {
                response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("v1", Encoding.UTF8, "text/plain") };
            }

            response.Headers.Date = arrived;
            response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            if (request.Headers.Authorization is { Parameter: { } user })
            {
                // What a response to one user's credentials may carry.
                response.Headers.TryAddWithoutValidation("X-User", user);
            }

            return response;
        }
    }

    /// <summary>Answers request n with bodies[n-1] (the last one after that), dated on arrival; request <paramref name="holdRequest"/> is held until released.</summary>
    private sealed class SequenceOrigin(TimeProvider time, int holdRequest, params string[] bodies) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public Task Held => _held.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _requests);
            var arrived = time.GetUtcNow();
            if (n == holdRequest)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }

            var text = bodies[Math.Min(n, bodies.Length) - 1];
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
            response.Headers.Date = arrived;
            response.Headers.ETag = new EntityTagHeaderValue($"\"{text}\"");
            response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            return response;
        }
    }

    [Fact]
    public async Task Lease_HolderStoresNothing_ItsWakeUpLeavesAnotherInstancesPendingRecord()
    {
        // B's write of its response failed: B keeps it (pending) and serves it. A then fetches through the lease and
        // stores nothing; the message that wakes the waiters changed nothing in the store, so B keeps serving its copy.
        var storeB = new ChaosDistributedCache(_store) { SetFault = StoreFault.Throw };
        var originB = new Origin(_clock, "from-b");
        var b = Start(originB, storeB);
        var a = Start(new Origin(_clock, "from-a", noStore: true));
        Assert.Equal("from-b", await b.GetStringAsync(Url));

        var heard = _hub.Messages.Count;
        Assert.Equal("from-a", await a.GetStringAsync(Url));

        Assert.True(_hub.Messages.Count > heard, "A woke the waiters");
        Assert.Equal("from-b", await b.GetStringAsync(Url));
        Assert.Equal(1, originB.Requests);
    }

    [Fact]
    public async Task Backplane_InvalidatorOnAnotherInstance_DropsTheNearCacheEntry()
    {
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));

        Assert.True(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));

        Assert.Equal("v1", await b.GetStringAsync(Url));
        Assert.Equal(2, originB.Requests);
    }

    [Theory]
    [InlineData("POST", true)]
    [InlineData("POST", false)]
    [InlineData("invalidator", true)]
    public async Task Backplane_UrlNeverStoredInvalidatedOnAnotherInstanceWhileAColdFetchIsUnderWay_TheFetchIsNotStored(string how, bool nearCache)
    {
        // B's cold GET reaches its origin, which decides v1; then A's caller changes the resource (or A's code
        // invalidates the URL). Nothing was stored, so the removal leaves no trace in the store: only A's message tells
        // B that its answer may predate the change. B's caller gets v1; the store does not, so the next instance asks
        // its origin. (B without a near cache has no other reason to listen yet: its fetch subscribes.)
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB, configure: o => o.NearCacheSizeLimit = nearCache ? o.NearCacheSizeLimit : 0);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);

        if (how == "POST")
        {
            using var posted = await a.Client().PostAsync(Url, new StringContent("x"), Ct);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        else
        {
            Assert.False(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));
        }

        originB.Release();
        using (var response = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        var c = Start(new Origin(_clock, "v2"));
        Assert.Equal("v2", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_UrlInvalidatedOnAnotherInstance_TheColdFetchsSecondReadFails_TheFetchIsNotStored()
    {
        // B cannot read the store again before writing: it does not know what the change was, and does not write.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var storeB = new ChaosDistributedCache(_store);
        var b = Start(originB, storeB);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);
        using (var posted = await a.Client().PostAsync(Url, new StringContent("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        storeB.GetFault = StoreFault.Throw;
        originB.Release();
        using (var response = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        storeB.GetFault = StoreFault.None;
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("invalidator")]
    public async Task Backplane_InvalidationMessageComesAfterAColdFetchWroteTheUrl_TheWriteIsRemovedAgain(string how)
    {
        // The race the message before the write cannot settle: B's origin decided v1 before A's caller changed the
        // resource, and B wrote v1 after A's removal, before A's messages reached it (a backplane slower than the store).
        // Left there, v1 would be served for its whole lifetime after the change. When the invalidation message comes,
        // B removes its write again, and says so, so that other instances drop their copies.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB);
        using (var response = await WriteLateAsync(a, b, originB, how))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.NotNull(_store.Raw(EntryKey));
        var published = _hub.Messages.Count;
        _hub.DeliverHeld();

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its write again");
        Assert.Contains(_hub.Messages.Skip(published), m => m.StartsWith('1') && m.EndsWith(EntryKey, StringComparison.Ordinal));
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Theory]
    [InlineData(10, 2)]
    [InlineData(11, 1)]
    public async Task Backplane_InvalidationOnAnotherInstanceAfterAWrite_RemovedAgainOnlyWithinTheWindow(int secondsLater, int removals)
    {
        // An invalidation announced at most StoreCoordination.LateInvalidationWindow (10 s) after this instance wrote the
        // URL may be one whose removal the write came after: the writer removes the URL again. Later, the write
        // was surely there before the removal, which took it: nothing more is sent.
        var a = Start(new Origin(_clock, "v2"));
        var b = Start(new Origin(_clock, "v1"));
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromSeconds(secondsLater));

        Assert.True(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));

        await Poll.UntilAsync(() => _store.Count("remove", k => k == EntryKey) >= removals, "the removals");
        Assert.Equal(removals, _store.Count("remove", k => k == EntryKey));
    }

    [Fact]
    public async Task Backplane_AnotherUrlInvalidatedOnAnotherInstanceAfterAWrite_TheWriteStays()
    {
        var a = Start(new Origin(_clock, "v2"));
        var b = Start(new Origin(_clock, "v1"));
        Assert.Equal("v1", await b.GetStringAsync(Url));

        Assert.False(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url + "&page=2"), Ct));

        Assert.Equal(0, _store.Count("remove", k => k == EntryKey));
        Assert.Equal("v1", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesWhileAColdFetchWritesTheUrl_TheWriteIsRemovedAgain()
    {
        // A's invalidation, removal and messages all happen while B's write of the URL's entry is on its way to the store:
        // the write lands after the removal, and the message came before the write was done.
        var a = Start(new Origin(_clock, "v2"));
        var storeB = new BeforeEntryWriteStore(_store, () => InvalidateAsync(a, "POST"));
        var b = Start(new Origin(_clock, "v1"), storeB);

        await AssertRemovedAgainAsync(b.GetAsync(Url), storeB);
    }

    [Fact]
    public async Task Backplane_AnotherInstancesWriteAnnouncedJustAfterTheReadBeforeAWrite_TheAnswerIsStillStored()
    {
        // Two instances fetch a cold URL at once. B reads the store again before writing and finds nothing; A's write
        // and its message come a moment after that read. The message is A's write of the same answer, not a removal:
        // B stores its answer and reports it stored, not removed. (Without the lease, which would have A wait for B.)
        _hub.CollapseAcrossInstances = false;
        var a = Start(new Origin(_clock, "v1"));
        var storeB = new AfterEntryReadStore(_store, readsBefore: 1, () => a.GetAsync(Url));
        var b = Start(new Origin(_clock, "v1"), storeB);

        using var response = await b.GetAsync(Url);

        Assert.True(storeB.Ran);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain("detail=", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Contains("stored", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, _store.Count("set", k => k == EntryKey));
    }

    [Fact]
    public async Task Backplane_AnotherInstanceStoredWhileAColdFetchWasUnderWayAndTheStoreLostIt_TheFetchIsNotStored()
    {
        // B's cold GET reaches its origin, which decides v1; meanwhile A stores v2 and says so, and the store then loses
        // A's entry record without a word (evicted, or removed by an instance whose message is still on its way). When
        // B reads the store again it finds nothing, yet A's message says the URL changed: B cannot tell a removal from
        // an eviction, so its answer, which may predate the change, is served to its caller and not written.
        _hub.CollapseAcrossInstances = false;
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);
        Assert.Equal("v2", await a.GetStringAsync(Url));
        await _store.RemoveAsync(EntryKey, Ct);
        _store.ClearLog();

        originB.Release();
        using (var response = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal(0, _store.Count("set", k => k == EntryKey));
        Assert.Null(_store.Raw(EntryKey));
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesAfterAWriteOfAnotherUrlTookTheWritesSlot_TheWriteIsRemovedAgain()
    {
        // As above, but before A's messages come, B writes another URL whose key falls in the same of the slots that
        // remember writes: the slot no longer names the URL, and still the late message removes B's write of it.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB);
        var other = UrlInTheSameWriteSlot();
        using (var response = await WriteLateAsync(a, b, originB, "POST"))
        {
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal("v1", await b.GetStringAsync(other));
        Assert.NotNull(_store.Raw(EntryKeyOf(other)));
        _hub.DeliverHeld();

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its write again");
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
        Assert.NotNull(_store.Raw(EntryKeyOf(other)));
    }

    [Fact]
    public async Task Backplane_LateMessageWhileTheStoreHangsWithoutATimeout_TheRemovalIsGivenUpAfter30Seconds()
    {
        // No store timeout, and the store hangs on the removal a late message asks for: like other work no request
        // waits for, it is given up after 30 s (and remembered, to be retried), instead of piling up for ever.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var storeB = new ChaosDistributedCache(_store);
        var b = Start(originB, storeB, o => o.StoreTimeout = Timeout.InfiniteTimeSpan);
        using (var response = await WriteLateAsync(a, b, originB, "POST"))
        {
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        storeB.RemoveFault = StoreFault.Hang;
        var hung = storeB.NextHang;
        var armed = _time.ArmedDueTimes.Count(t => t == TimeSpan.FromSeconds(30));
        _hub.DeliverHeld();
        await hung.WaitAsync(Limit, Ct);
        await Poll.UntilAsync(() => _time.ArmedDueTimes.Count(t => t == TimeSpan.FromSeconds(30)) > armed, "the removal's 30 s limit is armed");
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(b.Logs.WithId(GuardedStore.Log.StoreTimedOutId));

        _clock.Advance(TimeSpan.FromSeconds(1));

        await Poll.UntilAsync(() => b.Logs.WithId(GuardedStore.Log.StoreTimedOutId).Length > 0, "the removal is given up");
    }

    [Fact]
    public async Task Backplane_LateMessageWhileTheStoreBlocksItsCallersThread_TheMessagesHandlerGoesOn()
    {
        // B's store blocks the thread that calls its RemoveAsync (a store that waits synchronously inside its
        // asynchronous API). The removal a late message asks for runs off the thread that delivers messages, which goes
        // on delivering; the removal is made once the store lets go.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        using var storeB = new ThreadBlockingRemovalStore(_store);
        var b = Start(originB, storeB);
        using (var response = await WriteLateAsync(a, b, originB, "POST"))
        {
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        storeB.Block();
        try
        {
            await Task.Run(_hub.DeliverHeld, Ct).WaitAsync(Limit, Ct);
            await storeB.Blocked.WaitAsync(Limit, Ct);
        }
        finally
        {
            storeB.Release();
        }

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its write again");
    }

    [Fact]
    public async Task Backplane_LateMessageAfterAnotherClientTookTheWritesSlot_ARefusedRemovalIsRetriedByTheWritersClient()
    {
        // B's late write of the URL (client "test"), then a write of B's other client in the same slot; the removal the
        // late message asks for is refused by the store. The client that wrote the URL remembers the removal, retries it
        // on its next read, and asks its origin again instead of serving its write.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var storeB = new ChaosDistributedCache(_store);
        var b = Start(originB, storeB, clients: [CachingHarness.ClientName, "other"]);
        var other = UrlInTheSameWriteSlot("other");
        using (var response = await WriteLateAsync(a, b, originB, "POST"))
        {
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.Equal("v1", await b.GetStringAsync(other, "other"));
        storeB.RemoveFault = StoreFault.Throw;
        _hub.DeliverHeld();
        await Poll.UntilAsync(() => storeB.Throws > 0, "the store refuses the removal");
        Assert.NotNull(_store.Raw(EntryKey));
        storeB.RemoveFault = StoreFault.None;

        // The removal runs off the thread that delivered the message: a read in the moment between the store's refusal
        // and the client's note of it is still a hit, so read until the note shows (a client that never made one keeps
        // serving its write).
        string status;
        var reads = 0;
        do
        {
            using var again = await b.GetAsync(Url);
            status = again.CacheStatus();
        }
        while (status.Contains("hit", StringComparison.Ordinal) && ++reads < 100);

        Assert.DoesNotContain("hit", status, StringComparison.Ordinal);

        // The URL twice, the other URL once.
        Assert.Equal(3, originB.Requests);
    }

    [Fact]
    public async Task Backplane_InvalidationOfAUrlWhoseSlotHoldsAnotherWrite_TheOtherWriteStays()
    {
        // Only a write the slot displaced within the window makes the message remove a key the slot does not name.
        var a = Start(new Origin(_clock, "v2"));
        var b = Start(new Origin(_clock, "v1"));
        var other = UrlInTheSameWriteSlot();
        Assert.Equal("v1", await b.GetStringAsync(other));

        Assert.False(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));

        Assert.Equal(1, _store.Count("remove", k => k == EntryKey));
        Assert.Equal(0, _store.Count("remove", k => k == EntryKeyOf(other)));
        Assert.NotNull(_store.Raw(EntryKeyOf(other)));
    }

    [Fact]
    public async Task Backplane_InvalidationAfterTheSlotsUrlWasWrittenAgain_TheDisplacedWriteIsStillRemoved()
    {
        // B writes another URL, then this one twice in the same slot: the second write of the slot's own URL does not
        // make it forget the other URL's write it displaced.
        var a = Start(new Origin(_clock, "v2"));
        var b = Start(new Origin(_clock, "v1"));
        var other = UrlInTheSameWriteSlot();
        Assert.Equal("v1", await b.GetStringAsync(other));
        Assert.Equal("v1", await b.GetStringAsync(Url));
        using (var again = new HttpRequestMessage(HttpMethod.Get, Url))
        {
            again.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
            using var response = await b.Client().SendAsync(again, Ct);
        }

        Assert.Equal(2, _store.SetCount(k => k == EntryKey));

        Assert.True(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(other), Ct));

        await Poll.UntilAsync(() => _store.Count("remove", k => k == EntryKeyOf(other)) >= 2, "B removes the other URL again");
    }

    [Theory]
    [InlineData(10, 2)]
    [InlineData(11, 1)]
    public async Task Backplane_InvalidationAfterAWriteOfAnotherUrlTookTheWritesSlot_RemovedAgainOnlyWithinTheWindow(int secondsLater, int removals)
    {
        var a = Start(new Origin(_clock, "v2"));
        var b = Start(new Origin(_clock, "v1"));
        var other = UrlInTheSameWriteSlot();
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromSeconds(secondsLater - 1));
        Assert.Equal("v1", await b.GetStringAsync(other));
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));

        await Poll.UntilAsync(() => _store.Count("remove", k => k == EntryKey) >= removals, "the removals");
        Assert.Equal(removals, _store.Count("remove", k => k == EntryKey));
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesAfterAWriteThatFailedButLanded_TheWriteIsRemovedAgain()
    {
        // B's write of the entry reached the store, but its answer did not (a connection lost after the command went):
        // to B, nothing was stored. The late message still removes it.
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB, LostEntryWrites());
        using (var response = await WriteLateAsync(a, b, originB, "POST"))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailStoreFailed, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.NotNull(_store.Raw(EntryKey));
        _hub.DeliverHeld();

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its write again");
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesWhileAWriteFailsButLands_TheWriteIsRemovedAgain()
    {
        var a = Start(new Origin(_clock, "v2"));
        var storeB = new BeforeEntryWriteStore(LostEntryWrites(), () => InvalidateAsync(a, "POST"));
        var b = Start(new Origin(_clock, "v1"), storeB);

        using (var response = await b.GetAsync(Url))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(storeB.Ran);
        Assert.Null(_store.Raw(EntryKey));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("invalidator")]
    public async Task InvalidationOnTheSameInstanceWhileItsColdFetchWritesTheUrl_TheWriteIsRemovedAgain(string how)
    {
        // B's own caller changes the resource as B's fetch writes what its origin said before: the write lands after
        // B's own removal, whose messages B itself ignores.
        CachingHarness? b = null;
        var storeB = new BeforeEntryWriteStore(_store, () => InvalidateAsync(b!, how));
        b = Start(new Origin(_clock, "v1"), storeB);

        await AssertRemovedAgainAsync(b.GetAsync(Url), storeB);
    }

    [Fact]
    public async Task InvalidationOnTheSameInstanceWhileA304RewritesTheEntry_TheEntryIsRemovedAgain()
    {
        CachingHarness? b = null;
        var storeB = new BeforeEntryWriteStore(_store, () => InvalidateAsync(b!, "invalidator")) { WritesBefore = 1 };
        b = Start(ValidatingOrigin(), storeB, o => o.NearCacheSizeLimit = 0);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMinutes(2));

        using (var response = await b.GetAsync(Url))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(storeB.Ran);
        Assert.Null(_store.Raw(EntryKey));
    }

    [Fact]
    public async Task Backplane_InvalidatorCancelledDuringTheRemoval_StillSendsTheInvalidationMessage()
    {
        // The caller gave up while the store was removing the URL: the store may carry out the removal all the same,
        // and an instance whose write came just before must still hear of it.
        var store = new ChaosDistributedCache(_store);
        var a = Start(new Origin(_clock, "v1"), store);
        Assert.Equal("v1", await a.GetStringAsync(Url));
        var published = _hub.Messages.Count;
        store.RemoveFault = StoreFault.Hang;
        var hung = store.NextHang;
        using var cancel = new CancellationTokenSource();

        var invalidating = a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), cancel.Token).AsTask();
        await hung.WaitAsync(Limit, Ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invalidating);
        Assert.Contains(_hub.Messages.Skip(published), m => m.StartsWith('r') && m.EndsWith(EntryKey, StringComparison.Ordinal));
    }


    [Fact]
    public async Task Backplane_UrlInvalidatedThenStoredAgainWhileAColdFetchIsUnderWay_TheFetchIsNotWrittenOverIt()
    {
        // B's origin decided v1 before A's caller changed the resource; C then stored v2, of the same date. B's answer
        // predates the change and is not written: C's v2 stays, and the next instance is served it from the store.
        // (No leases: C would wait for B's.)
        _hub.CollapseAcrossInstances = false;
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1", hold: true, dateOnArrival: true);
        var b = Start(originB);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);
        await InvalidateAsync(a, "POST");
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url).WaitAsync(Limit, Ct));

        originB.Release();
        await AssertNotWrittenOverTheNewerAsync(slow);
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesWhileA304RewritesTheEntry_TheEntryIsRemovedAgain()
    {
        // B revalidates its stale v1 and the origin says 304; as B rewrites the entry, A's caller changes the resource.
        // The refreshed v1 must not stay in the store after the change.
        var a = Start(new Origin(_clock, "v2"));
        var validated = ValidatingOrigin();
        var storeB = new BeforeEntryWriteStore(_store, () => InvalidateAsync(a, "POST")) { WritesBefore = 1 };
        var b = Start(validated, storeB, o => o.NearCacheSizeLimit = 0);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMinutes(2));

        using (var response = await b.GetAsync(Url))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.Contains("fwd=stale; fwd-status=304", response.CacheStatus(), StringComparison.Ordinal);

            // Removed, this caller's only: those that joined the revalidation ask again.
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(storeB.Ran);
        Assert.Null(_store.Raw(EntryKey));
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesAfterASlowWriteWasAcknowledged_TheWriteIsRemovedAgain()
    {
        // B's entry write takes 11 s (no store timeout); A invalidates while it is under way, the write lands after A's
        // removal, and A's messages come just after the acknowledgement: the window counts from the write's end.
        var a = Start(new Origin(_clock, "v2"));
        var storeB = new BeforeEntryWriteStore(_store, async () =>
        {
            _clock.Advance(TimeSpan.FromSeconds(11));
            _hub.HoldMessages = true;
            await InvalidateAsync(a, "POST");
        });
        var b = Start(new Origin(_clock, "v1"), storeB, o => o.StoreTimeout = Timeout.InfiniteTimeSpan);

        using (var response = await b.GetAsync(Url))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(storeB.Ran);
        Assert.NotNull(_store.Raw(EntryKey));
        _hub.DeliverHeld();

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its write again");
    }

    [Fact]
    public async Task Backplane_InvalidationMessageComesAfterA304RewroteTheEntry_TheEntryIsRemovedAgain()
    {
        // A's removal comes as B's 304 rewrites the entry, and its messages only after the rewrite is done: the late
        // message removes the refreshed v1 again.
        var a = Start(new Origin(_clock, "v2"));
        var storeB = new BeforeEntryWriteStore(_store, async () =>
        {
            _hub.HoldMessages = true;
            await InvalidateAsync(a, "POST");
        })
        { WritesBefore = 1 };
        var b = Start(ValidatingOrigin(), storeB, o => o.NearCacheSizeLimit = 0);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMinutes(2));

        using (var response = await b.GetAsync(Url))
        {
            Assert.Contains("fwd=stale; fwd-status=304", response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(storeB.Ran);
        Assert.NotNull(_store.Raw(EntryKey));
        _hub.DeliverHeld();

        await Poll.UntilAsync(() => _store.Raw(EntryKey) is null, "B removes its rewrite again");
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_UrlInvalidatedThenStoredAgainWhileA304IsUnderWay_TheRefreshedEntryIsNotWrittenOverIt()
    {
        // B revalidates its stale v1; before the 304 comes back, A's caller changes the resource and C stores v2, of the
        // same date. The 304 predates the change: B does not write v1 back over C's v2, which the next instance is served.
        _hub.CollapseAcrossInstances = false;
        var a = Start(new Origin(_clock, "v2"));
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var validated = ValidatingOrigin(reached, release.Task);
        var b = Start(validated, configure: o => o.NearCacheSizeLimit = 0);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(TimeSpan.FromMinutes(2));

        var revalidating = b.GetAsync(Url);
        await reached.Task.WaitAsync(Limit, Ct);
        await InvalidateAsync(a, "POST");
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url).WaitAsync(Limit, Ct));
        release.SetResult();
        await AssertNotWrittenOverTheNewerAsync(revalidating);
    }

    [Fact]
    public async Task Backplane_InvalidationMessage_SentAfterTheRemovalsChangeMessage()
    {
        // Instances that do not know the invalidation message drop their copies on the change message before it.
        var a = Start(new Origin(_clock, "v1"));
        Assert.Equal("v1", await a.GetStringAsync(Url));
        var published = _hub.Messages.Count;

        Assert.True(await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct));

        var sent = _hub.Messages.Skip(published).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.StartsWith("1", sent[0], StringComparison.Ordinal);
        Assert.StartsWith("r", sent[1], StringComparison.Ordinal);
        Assert.All(sent, m => Assert.EndsWith(EntryKey, m, StringComparison.Ordinal));
        Assert.Equal(sent[0][1..^EntryKey.Length], sent[1][1..^EntryKey.Length]);
    }

    [Fact]
    public async Task Backplane_AnotherUrlChangedOnAnotherInstanceWhileAColdFetchIsUnderWay_TheFetchIsStored()
    {
        var a = Start(new Origin(_clock, "other"));
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);

        Assert.Equal("other", await a.GetStringAsync(Url + "&page=2"));

        originB.Release();
        using (var response = await slow.WaitAsync(Limit, Ct))
        {
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }

        var c = Start(new Origin(_clock, "v2"));
        Assert.Equal("v1", await c.GetStringAsync(Url));
    }

    [Fact]
    public async Task Backplane_UrlStoredOnAnotherInstanceWhileAColdFetchIsUnderWay_TheSlowOneIsJudgedAgainstIt()
    {
        // A change message that was a write leaves a record: the slow fetch is judged against it as before (same
        // date: not newer, so written), not refused as if the URL had been removed.
        _hub.CollapseAcrossInstances = false;
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB);
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);

        Assert.Equal("v0", await Start(new Origin(_clock, "v0")).GetStringAsync(Url));

        originB.Release();
        using (var response = await slow.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("; stored", response.CacheStatus(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Backplane_Messages_CarryHashedKeysOnly()
    {
        var a = Start(new Origin(_clock, "v1"));
        await a.GetStringAsync(Url);
        await a.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct);

        var hash = CacheKeyBuilder.HashRequest("GET", new Uri(Url));
        Assert.NotEmpty(_hub.Messages);
        Assert.All(_hub.Messages, m =>
        {
            Assert.Contains(hash, m, StringComparison.Ordinal);
            Assert.DoesNotContain("feeds.example", m, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("coordinated", m, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("s3cr3t", m, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Backplane_OffOrMessageLost_NearCacheKeepsItsCopyForItsWindowOnly(bool lost)
    {
        _hub.Backplane = lost;
        _hub.DropMessages = lost;
        var a = Start(new Origin(_clock, "v2"));
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);
        Assert.Equal("v1", await b.GetStringAsync(Url));
        using (await a.GetAsync(Url, configure: r => r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true }))
        {
        }

        // Today's behaviour: B serves its copy (still fresh) until the window passes, then the store's newer version.
        Assert.Equal("v1", await b.GetStringAsync(Url));
        _clock.Advance(NearCacheEntryDuration);
        Assert.Equal("v2", await b.GetStringAsync(Url));
        Assert.Equal(1, originB.Requests);
        Assert.Equal(lost, _hub.Messages.Count > 0);
    }

    [Fact]
    public async Task Lease_AnotherInstanceHoldsIt_OthersWaitThenServeWhatItStored()
    {
        var originA = new Origin(_clock, "v1", hold: true);
        var originB = new Origin(_clock, "v1-from-b");
        var a = Start(originA);
        var b = Start(originB);
        var waiting = NextLeaseHeld(b);

        var first = a.GetStringAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);
        var second = b.GetAsync(Url);
        await waiting.WaitAsync(Limit, Ct);

        // A's origin answers; A stores, and its "stored" message wakes B, which reads the store: the clock never moved.
        originA.Release();
        Assert.Equal("v1", await first.WaitAsync(Limit, Ct));
        using var served = await second.WaitAsync(Limit, Ct);
        Assert.Equal("v1", await served.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", served.Headers.GetValues(HttpCachingDiagnostics.CacheStatusHeader).Single(), StringComparison.Ordinal);
        Assert.Equal(1, originA.Requests);
        Assert.Equal(0, originB.Requests);
        Assert.Equal(TestClock.Start, _clock.GetUtcNow());
        Assert.Empty(_hub.HeldLeases());
        Assert.Single(b.Logs.WithId(ClientCache.Log.CollapsedAcrossInstancesId));
    }

    [Fact]
    public async Task Lease_WaiterServesWhatTheHolderStored_OnlyToCallersOfTheSameVariant()
    {
        // A cold URL whose responses vary by Cookie. A fetches alice's; on B, alice's request waits for A's lease and
        // bob's joins it there (no Vary record was stored yet, so both are on the URL's key). B serves A's variant to
        // alice only; bob asks for his own.
        var originA = new Origin(_clock, "page", hold: true, varyByCookie: true);
        var originB = new Origin(_clock, "page", varyByCookie: true);
        var a = Start(originA);
        var b = Start(originB);
        var waiting = NextLeaseHeld(b);

        var first = a.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "alice"));
        await originA.Reached.WaitAsync(Limit, Ct);
        var alice = b.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "alice"));
        await waiting.WaitAsync(Limit, Ct);
        var bob = b.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "bob"));

        originA.Release();
        using var fetched = await first.WaitAsync(Limit, Ct);
        Assert.Equal("page for alice", await fetched.Content.ReadAsStringAsync(Ct));
        using var forAlice = await alice.WaitAsync(Limit, Ct);
        using var forBob = await bob.WaitAsync(Limit, Ct);
        Assert.Equal("page for alice", await forAlice.Content.ReadAsStringAsync(Ct));
        Assert.Equal("page for bob", await forBob.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, originB.Requests);
    }

    [Fact]
    public async Task Lease_ManyUrlsFetched_NoWaiterKeptForAnyOfThem()
    {
        // Each leased fetch watches its URL for another instance's message; once it is done, nothing is kept for it.
        var a = Start(new Origin(_clock, "v1"));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await a.GetStringAsync($"{Url}&n={i}"));
        }

        Assert.Equal(0, WaitersOf(a));
    }

    [Fact]
    public void Unwatch_WaiterNotWoken_Forgotten_WokenOneLeftAlone()
    {
        var coordination = new StoreCoordination(_hub.Join(), _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var first = coordination.Watch("k");
        coordination.Unwatch("k", first);
        var second = coordination.Watch("k");
        coordination.Unwatch("k", Task.CompletedTask);

        Assert.NotSame(first, second);
        Assert.Same(second, coordination.Watch("k"));
    }

    [Fact]
    public async Task Lease_HolderStoresNothing_OthersAreWokenAtOnceAndFetchThemselves()
    {
        var originA = new Origin(_clock, "private-a", hold: true, noStore: true);
        var originB = new Origin(_clock, "private-b", noStore: true);
        var a = Start(originA);
        var b = Start(originB);
        var waiting = NextLeaseHeld(b);

        var first = a.GetStringAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);
        var second = b.GetAsync(Url);
        await waiting.WaitAsync(Limit, Ct);

        // A's response may not be stored: A lets the lease go and says so, so B takes it and asks its own origin
        // without waiting for a poll (the clock never moves).
        originA.Release();
        Assert.Equal("private-a", await first.WaitAsync(Limit, Ct));
        using var own = await second.WaitAsync(Limit, Ct);
        Assert.Equal("private-b", await own.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, originB.Requests);
        Assert.Equal(TestClock.Start, _clock.GetUtcNow());
        Assert.Empty(_hub.HeldLeases());
    }

    [Fact]
    public async Task Lease_HolderHangs_OthersFetchThemselvesWithinTheBound()
    {
        var originA = new Origin(_clock, "v1", hold: true);
        var originB = new Origin(_clock, "v1-from-b");
        var a = Start(originA);
        var b = Start(originB);
        var first = a.GetStringAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);

        var started = _clock.GetUtcNow();
        using var driver = new PollDriver(this, b);
        var second = b.GetAsync(Url);
        await driver.RunUntilAsync(second);

        using var own = await second;
        Assert.Equal("v1-from-b", await own.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, originB.Requests);
        Assert.InRange(_clock.GetUtcNow() - started, _hub.LeaseWait, _hub.LeaseWait);
        Assert.Single(b.Logs.WithId(ClientCache.Log.LeaseWaitEndedId));

        originA.Release();
        await first.WaitAsync(Limit, Ct);
    }

    [Fact]
    public async Task Lease_HolderDied_AnotherInstanceTakesOverWhenTheLeaseExpires()
    {
        _hub.LeaseWait = TimeSpan.FromSeconds(30);
        _hub.LeaseDuration = TimeSpan.FromSeconds(3);
        _hub.TakeAbandonedLease(LeaseKey);
        var originB = new Origin(_clock, "v1");
        var b = Start(originB);

        var started = _clock.GetUtcNow();
        using var driver = new PollDriver(this, b);
        var reply = b.GetAsync(Url);
        await driver.RunUntilAsync(reply);

        using var fetched = await reply;
        Assert.Equal("v1", await fetched.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, originB.Requests);

        // B took the lease once it expired, long before its own wait was over, and released it when done.
        Assert.InRange(_clock.GetUtcNow() - started, _hub.LeaseDuration, _hub.LeaseDuration + ClientCache.LeasePollIntervalWithBackplane);
        Assert.Empty(b.Logs.WithId(ClientCache.Log.LeaseWaitEndedId));
        Assert.Empty(_hub.HeldLeases());
    }

    [Fact]
    public async Task Lease_StoreFails_FetchesAtOnce()
    {
        _hub.FailLeases = true;
        var originA = new Origin(_clock, "v1", hold: true);
        var originB = new Origin(_clock, "v1-from-b");
        var a = Start(originA);
        var b = Start(originB);
        var first = a.GetStringAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);

        // The clock never moves: B cannot be waiting for anything.
        using var own = await b.GetAsync(Url).WaitAsync(Limit, Ct);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("v1-from-b", await own.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, originB.Requests);
        Assert.Single(b.Logs.WithId(StoreCoordination.Log.CoordinationFailedId));

        originA.Release();
        await first.WaitAsync(Limit, Ct);
    }

    [Fact]
    public async Task Lease_Off_EachInstanceFetchesAsToday()
    {
        _hub.CollapseAcrossInstances = false;
        var originA = new Origin(_clock, "v1", hold: true);
        var originB = new Origin(_clock, "v1-from-b");
        var a = Start(originA);
        var b = Start(originB);
        var first = a.GetStringAsync(Url);
        await originA.Reached.WaitAsync(Limit, Ct);

        Assert.Equal("v1-from-b", await b.GetStringAsync(Url).WaitAsync(Limit, Ct));
        Assert.Equal(0, _hub.LeaseAttempts);

        originA.Release();
        await first.WaitAsync(Limit, Ct);
    }

    [Theory]
    [InlineData("authorization")]
    [InlineData("no-cache")]
    [InlineData("head")]
    public async Task Lease_RequestAnotherInstanceCouldNotServe_NeverTakesALease(string kind)
    {
        var b = Start(new Origin(_clock, "v1"));
        using var response = await b.GetAsync(Url, configure: r =>
        {
            switch (kind)
            {
                case "authorization":
                    r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
                    break;
                case "no-cache":
                    r.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                    break;
                default:
                    r.Method = HttpMethod.Head;
                    break;
            }
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, _hub.LeaseAttempts);
    }

    [Fact]
    public async Task Lease_ClientSeenToAddAuthorizationBelowTheCache_TakesNoLease()
    {
        // The primary handler authenticates every request: no response of this client can be served by another
        // instance's fetch (§3.5), so once the cache has seen it, a request must not queue behind another instance's
        // lease, as one with the caller's own Authorization never does.
        var b = Start(new AddsAuthorization(new Origin(_clock, "v1")));
        (await b.GetAsync(Url)).Dispose();
        var afterFirst = _hub.LeaseAttempts;

        using var second = await b.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(afterFirst, _hub.LeaseAttempts);
    }

    /// <summary>A primary handler that authenticates each request it sends, as one with credentials does.</summary>
    private sealed class AddsAuthorization(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "service");
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task LeaseWait_LongerThanOriginTimeoutAndTheHolderDied_TheOriginIsStillAsked()
    {
        // OriginTimeout 2 s, LeaseWait 5 s: both valid. The lease holder died. The wait for it must not use up the
        // origin request's time: once the wait is over the request asks the origin, with its whole OriginTimeout.
        var originB = new Origin(_clock, "v1");
        var b = AfterADeadHoldersLease(originB);

        using var driver = new PollDriver(this, b);
        var reply = b.GetAsync(Url);
        await driver.RunUntilAsync(reply);

        using var fetched = await reply;
        Assert.Equal("v1", await fetched.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Lease_TakenAtOnce_TheOriginRequestIsGivenUpAfterItsOriginTimeout()
    {
        // The run's limit allows for a lease wait; an origin request that needed none still has OriginTimeout only.
        var originB = new Origin(_clock, "v1", hold: true);
        var b = Start(originB, configure: o => o.OriginTimeout = TimeSpan.FromSeconds(2));
        var reply = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);

        _time.Advance(TimeSpan.FromSeconds(2));

        var given = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply.WaitAsync(Limit, Ct));
        Assert.Contains("OriginTimeout", given.Message, StringComparison.Ordinal);
        originB.Release();
    }

    [Fact]
    public async Task LeaseWait_Over_TheOriginRequestAfterItIsGivenUpAfterItsOriginTimeout()
    {
        // After waiting for a dead holder's lease, the request's own origin request has OriginTimeout, counted from
        // when it starts: neither less (the wait's time) nor more (what the run's limit allows for the wait).
        var originB = new Origin(_clock, "v1", hold: true);
        var b = AfterADeadHoldersLease(originB);

        using var driver = new PollDriver(this, b);
        var reply = b.GetAsync(Url);
        await driver.RunUntilAsync(originB.Reached);
        Assert.False(reply.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));

        var given = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply.WaitAsync(Limit, Ct));
        Assert.Contains("OriginTimeout", given.Message, StringComparison.Ordinal);
        originB.Release();
    }

    [Fact]
    public async Task NoCache_JoinsARequestWaitingForALease_StillAnswered()
    {
        // A no-cache request joins the shared request of a plain one that waits for a dead holder's lease: it is
        // answered once that one asks the origin (or by its own request after it), not failed by the wait.
        var originB = new Origin(_clock, "v1");
        var b = AfterADeadHoldersLease(originB);

        using var driver = new PollDriver(this, b);
        var plain = b.GetAsync(Url);
        var noCache = b.GetAsync(Url, configure: NoCache);
        await driver.RunUntilAsync(noCache);

        using var fetched = await noCache;
        Assert.Equal("v1", await fetched.Content.ReadAsStringAsync(Ct));
        using var plainReply = await plain;
        Assert.Equal("v1", await plainReply.Content.ReadAsStringAsync(Ct));
    }

    public void Dispose()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }
    }

    private static readonly TimeSpan NearCacheEntryDuration = TimeSpan.FromMinutes(5);

    private static string EntryKey => "httpcaching:" + CachingHarness.ClientName + ":e:" + CacheKeyBuilder.HashRequest("GET", new Uri(Url));

    /// <summary>
    /// An origin that answers v1 (ETag <c>"v1"</c>, fresh for a minute, dated now) and a 304 to a conditional request,
    /// which waits for <paramref name="release"/> once it has set <paramref name="reached"/>.
    /// </summary>
    private LambdaHandler ValidatingOrigin(TaskCompletionSource? reached = null, Task? release = null) => new(async (request, token) =>
    {
        var notModified = request.Headers.IfNoneMatch.Count > 0;
        if (notModified)
        {
            reached?.TrySetResult();
            await (release ?? Task.CompletedTask).WaitAsync(token);
        }

        var response = new HttpResponseMessage(notModified ? HttpStatusCode.NotModified : HttpStatusCode.OK);
        if (!notModified)
        {
            response.Content = new StringContent("v1", Encoding.UTF8, "text/plain");
        }

        response.Headers.Date = _clock.GetUtcNow();
        response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
        response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(1) };
        return response;
    });

    /// <summary>
    /// The request that was under way when the URL was invalidated and stored again (v2): its caller got v1, reported
    /// removed, and the store still holds v2, which the next instance is served without asking its origin.
    /// </summary>
    private async Task AssertNotWrittenOverTheNewerAsync(Task<HttpResponseMessage> underWay)
    {
        using (var response = await underWay.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        var originD = new Origin(_clock, "v3");
        Assert.Equal("v2", await Start(originD).GetStringAsync(Url));
        Assert.Equal(0, originD.Requests);
    }

    /// <summary>Changes the resource on <paramref name="app"/>: a POST to the URL, or the invalidator.</summary>
    private static async Task InvalidateAsync(CachingHarness app, string how)
    {
        if (how == "POST")
        {
            using var posted = await app.Client().PostAsync(Url, new StringContent("x"), Ct);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        else
        {
            await app.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), Ct);
        }
    }

    /// <summary>The shared store, whose writes of the URL's entry are carried out and then fail, as if the answer was lost.</summary>
    private ChaosDistributedCache LostEntryWrites() => new(_store) { SetFault = StoreFault.Lost, FaultedKeys = key => key == EntryKey };

    /// <summary>
    /// The request whose write the invalidation met: its caller got v1, reported removed; the store holds nothing for the
    /// URL, and the next instance is served what its origin says now.
    /// </summary>
    private async Task AssertRemovedAgainAsync(Task<HttpResponseMessage> request, BeforeEntryWriteStore store)
    {
        using (var response = await request.WaitAsync(Limit, Ct))
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync(Ct));
            Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailRemoved, response.CacheStatus(), StringComparison.Ordinal);
        }

        Assert.True(store.Ran);
        Assert.Null(_store.Raw(EntryKey));
        Assert.Equal("v2", await Start(new Origin(_clock, "v2")).GetStringAsync(Url));
    }

    /// <summary>Another URL whose entry key (of <paramref name="client"/>) falls in the same slot of remembered writes as the URL's.</summary>
    private static string UrlInTheSameWriteSlot(string client = CachingHarness.ClientName) =>
        Enumerable.Range(0, 1_000_000).Select(i => Url + "&n=" + i)
            .First(u => StoreCoordination.WriteSlot(EntryKeyOf(u, client)) == StoreCoordination.WriteSlot(EntryKey));

    /// <summary>
    /// B's origin decides before A's caller changes the resource (<paramref name="how"/>), and B writes after A's removal,
    /// before A's messages reach it: they are held until the test delivers them. B's response.
    /// </summary>
    private async Task<HttpResponseMessage> WriteLateAsync(CachingHarness a, CachingHarness b, Origin originB, string how)
    {
        var slow = b.GetAsync(Url);
        await originB.Reached.WaitAsync(Limit, Ct);
        _hub.HoldMessages = true;
        await InvalidateAsync(a, how);
        originB.Release();
        return await slow.WaitAsync(Limit, Ct);
    }

    private static string EntryKeyOf(string url, string client = CachingHarness.ClientName) => "httpcaching:" + client + ":e:" + CacheKeyBuilder.HashRequest("GET", new Uri(url));

    /// <summary>Passes every call on; once told to, each <c>RemoveAsync</c> blocks its calling thread until released.</summary>
    private sealed class ThreadBlockingRemovalStore(IDistributedCache inner) : IDistributedCache, IDisposable
    {
        private readonly ManualResetEventSlim _released = new(initialState: true);
        private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a removal blocks its thread.</summary>
        public Task Blocked => _blocked.Task;

        public void Block() => _released.Reset();

        public void Release() => _released.Set();

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            if (!_released.IsSet)
            {
                _blocked.TrySetResult();
                _released.Wait(TestContext.Current.CancellationToken);
            }

            return inner.RemoveAsync(key, token);
        }

        public void Dispose() => _released.Dispose();
    }

    /// <summary>
    /// A store whose read of the entry key after <c>readsBefore</c> others answers what it held, after running
    /// <paramref name="after"/> once: something another instance does just after the read.
    /// </summary>
    private sealed class AfterEntryReadStore(IDistributedCache inner, int readsBefore, Func<Task> after) : IDistributedCache
    {
        private int _reads;
        private int _ran;

        public bool Ran => Volatile.Read(ref _ran) == 1;

        public byte[]? Get(string key) => inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var value = await inner.GetAsync(key, token);
            if (key == EntryKey && Interlocked.Increment(ref _reads) > readsBefore && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await after();
            }

            return value;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
    }

    /// <summary>A store that runs <paramref name="before"/> once, as a write of the URL's entry key starts (after <see cref="WritesBefore"/> of them), then writes.</summary>
    private sealed class BeforeEntryWriteStore(IDistributedCache inner, Func<Task> before) : IDistributedCache
    {
        private int _ran;
        private int _writes;

        /// <summary>How many writes of the entry key go through before the one that runs it.</summary>
        public int WritesBefore { get; init; }

        public bool Ran => Volatile.Read(ref _ran) == 1;

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            if (key == EntryKey && Interlocked.Increment(ref _writes) > WritesBefore && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await before();
            }

            await inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
    }

    private static string LeaseKey => "httpcaching:" + CachingHarness.ClientName + ":l:" + CacheKeyBuilder.HashRequest("GET", new Uri(Url));

    /// <summary>
    /// How many keys the instance's store coordination watches for messages. Read by reflection, so that production code
    /// carries no member for tests; a renamed field fails here, loudly.
    /// </summary>
    private static int WaitersOf(CachingHarness app)
    {
        var coordination = app.Services.GetRequiredService<CacheStoreProvider>().Get(null).Coordination!;
        var field = typeof(StoreCoordination).GetField("_waiters", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        return ((System.Collections.ICollection)field.GetValue(coordination)!).Count;
    }

    /// <summary>The coordinator <paramref name="app"/> was given by the hub.</summary>
    private static IHttpCacheCoordinator CoordinatorOf(CachingHarness app) => app.Services.GetRequiredService<IHttpCacheCoordinator>();

    /// <summary>Completes when <paramref name="app"/> next finds the URL's lease held by another instance.</summary>
    private Task NextLeaseHeld(CachingHarness app)
    {
        var coordinator = CoordinatorOf(app);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hub.LeaseHeld += (member, _) =>
        {
            if (ReferenceEquals(member, coordinator))
            {
                held.TrySetResult();
            }
        };
        return held.Task;
    }

    /// <summary>
    /// Moves the fake clock one poll interval each time an instance waits for another's fetch, until a request ends;
    /// fails if that takes more polls than the longest wait allows. Created before the request starts, so no wait is
    /// missed. A wait is seen from outside: the hub answers the instance's lease attempt "held", and the instance then
    /// arms its poll timer (the next timer it creates) before it yields, so the clock moves only once that timer exists.
    /// </summary>
    private sealed class PollDriver : IDisposable
    {
        private readonly CoordinationTests _test;
        private readonly IHttpCacheCoordinator _coordinator;
        private readonly Channel<Task> _waits = Channel.CreateUnbounded<Task>();

        public PollDriver(CoordinationTests test, CachingHarness app)
        {
            _test = test;
            _coordinator = CoordinatorOf(app);
            _test._hub.LeaseHeld += OnLeaseHeld;
        }

        public async Task RunUntilAsync(Task request)
        {
            var most = (int)(_test._hub.LeaseWait / ClientCache.LeasePollIntervalWithBackplane) + 2;
            for (var polls = 0; ; polls++)
            {
                var held = _waits.Reader.ReadAsync(Ct).AsTask();
                await Task.WhenAny(held, request).WaitAsync(Limit, Ct);
                if (request.IsCompleted)
                {
                    return;
                }

                // Refused a lease, the request either arms its poll timer or (its wait over) fetches on its own, which arms
                // the timer of its origin request's OriginTimeout: a longer one, which is no poll to move the clock for.
                var armed = await held;
                await Task.WhenAny(armed, request).WaitAsync(Limit, Ct);
                if (request.IsCompleted)
                {
                    return;
                }

                if (_test._time.ArmedDueTimes[^1] > ClientCache.LeasePollIntervalWithBackplane)
                {
                    await request.WaitAsync(Limit, Ct);
                    return;
                }

                Assert.True(polls < most, $"Still waiting after {polls} polls.");
                _test._time.Advance(ClientCache.LeasePollIntervalWithBackplane);
            }
        }

        public void Dispose() => _test._hub.LeaseHeld -= OnLeaseHeld;

        private void OnLeaseHeld(IHttpCacheCoordinator member, string key)
        {
            if (ReferenceEquals(member, _coordinator))
            {
                _waits.Writer.TryWrite(_test._time.NextTimer);
            }
        }
    }

    /// <summary>A request for a fresh copy: <c>Cache-Control: no-cache</c>.</summary>
    private static void NoCache(HttpRequestMessage request) => request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };

    /// <summary>
    /// The race of the superseded checks: A's request (shaped by <paramref name="slowRequest"/>) reaches its origin,
    /// which holds it until <paramref name="release"/>; the clock moves on by <paramref name="beforeFresh"/>, B's caller
    /// asks for a fresh copy (with <paramref name="cookie"/> as its Cookie, if any) and B stores it; the clock moves on
    /// by <paramref name="afterFresh"/>, and A's origin answers. A request the test already made can stand in for A's
    /// (<paramref name="pending"/>).
    /// </summary>
    /// <returns>The body B's caller was served, and A's response, which the caller disposes.</returns>
    private async Task<(string Fresh, HttpResponseMessage Slow)> WhileSlowAnotherStoresAsync(
        CachingHarness a,
        Task reached,
        Action release,
        CachingHarness b,
        TimeSpan beforeFresh,
        TimeSpan afterFresh = default,
        Action<HttpRequestMessage>? slowRequest = null,
        string? cookie = null,
        Task<HttpResponseMessage>? pending = null)
    {
        var slow = pending ?? a.GetAsync(Url, configure: r =>
        {
            slowRequest?.Invoke(r);
            if (cookie is not null)
            {
                r.Headers.TryAddWithoutValidation("Cookie", cookie);
            }
        });
        await reached.WaitAsync(Limit, Ct);
        _clock.Advance(beforeFresh);
        string fresh;
        using (var refreshed = await b.GetAsync(Url, configure: r =>
        {
            NoCache(r);
            if (cookie is not null)
            {
                r.Headers.TryAddWithoutValidation("Cookie", cookie);
            }
        }))
        {
            fresh = await refreshed.Content.ReadAsStringAsync(Ct);
        }

        _clock.Advance(afterFresh);
        release();
        return (fresh, await slow.WaitAsync(Limit, Ct));
    }

    /// <summary>
    /// An instance with an <c>OriginTimeout</c> of 2 s, under a <c>LeaseWait</c> of 5 s, whose URL's lease a holder that
    /// died took (for 10 s).
    /// </summary>
    private CachingHarness AfterADeadHoldersLease(HttpMessageHandler origin)
    {
        _hub.LeaseWait = TimeSpan.FromSeconds(5);
        _hub.LeaseDuration = TimeSpan.FromSeconds(10);
        _hub.TakeAbandonedLease(LeaseKey);
        return Start(origin, configure: o => o.OriginTimeout = TimeSpan.FromSeconds(2));
    }

    private CachingHarness Start(HttpMessageHandler origin, IDistributedCache? store = null, Action<ThirdPartyCachingOptions>? configure = null, string[]? clients = null)
    {
        var app = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.NearCacheEntryDuration = NearCacheEntryDuration;
                configure?.Invoke(o);
            },
            registerStore: false,
            nearCache: true,
            origin: origin,
            services: s =>
            {
                s.AddSingleton(store ?? _store);
                s.AddSingleton<TimeProvider>(_time);
                s.AddSingleton(_hub.Join());
                s.AddLogging(l => l.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
            },
            clientNames: clients ?? []);
        _apps.Add(app);
        return app;
    }

    /// <summary>
    /// An origin that answers every request with <paramref name="body"/> (fresh for 10 minutes, ETag of the body),
    /// optionally holding the first until released. Its <c>Date</c> is the time of the answer, or with
    /// <paramref name="dateOnArrival"/> the time the request arrived (a slow body behind a prompt head), plus
    /// <paramref name="dateSkew"/> (a clock that is off).
    /// </summary>
    private sealed class Origin(TimeProvider time, string body, bool hold = false, bool noStore = false, bool varyByCookie = false, bool dateOnArrival = false, TimeSpan dateSkew = default) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        /// <summary>Completes when the first request has reached the origin.</summary>
        public Task Reached => _reached.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var first = Interlocked.Increment(ref _requests) == 1;
            var arrived = time.GetUtcNow();
            _reached.TrySetResult();
            if (hold && first)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }

            var text = varyByCookie
                ? $"{body} for {(request.Headers.NonValidated.TryGetValues("Cookie", out var cookie) ? cookie.ToString() : "nobody")}"
                : body;
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
            response.Headers.Date = (dateOnArrival ? arrived : time.GetUtcNow()) + dateSkew;
            response.Headers.ETag = new EntityTagHeaderValue($"\"{text.Replace(' ', '-')}\"");
            if (varyByCookie)
            {
                response.Headers.Vary.Add("Cookie");
            }

            response.Headers.CacheControl = noStore ? new CacheControlHeaderValue { NoStore = true } : new CacheControlHeaderValue { MaxAge = TimeSpan.FromMinutes(10) };
            return response;
        }
    }
}
