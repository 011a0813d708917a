using System.Net;
using System.Text;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Responses the cache must never serve: another caller's personal response under the floor, a response a 304 made
/// private or unstorable, an older version a validator-less 304 revived, another variant's body, a leader's private
/// error, one entry shared across GET bodies, a response kept under the Vary it had before a 304 changed it, a response
/// marked private among qualified privates, and a shared response updated by the answer to another caller's credentials.
/// </summary>
public sealed class WrongResponseTests
{
    private const string Url = "https://api.example.test/v1/profile";

    [Theory]
    [InlineData("must-revalidate")]
    [InlineData("s-maxage=0")]
    [InlineData("max-age=0, must-revalidate")]
    public async Task Floor_ResponseToRequestWithAuthorization_NotExtended(string cacheControl)
    {
        // RFC 9111 §3.5 lets a shared cache store these, but only their own (zero) freshness may make them reusable.
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("alice's profile", cacheControl));

        using var alice = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer alice"));
        using var other = await harness.GetAsync(Url);

        Assert.Contains("; stored", alice.CacheStatus(), StringComparison.Ordinal);
        Assert.DoesNotContain("hit", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Floor_ResponseToRequestWithCookie_NotExtended()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("alice's page"));

        using var alice = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "session=alice"));
        using var other = await harness.GetAsync(Url);

        Assert.DoesNotContain("hit", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Floor_ResponseToRequestWithCookie_HeuristicFreshnessNotApplied()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("alice's page");
            response.Content.Headers.LastModified = harness.Time.GetUtcNow().AddDays(-10);
            return response;
        });

        using var alice = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "session=alice"));
        using var other = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Floor_CredentialedRequestWithExplicitFreshness_FollowsItsOwnFreshness()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("public data", "public, max-age=60"));

        using var first = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer alice"));
        harness.Time.Advance(TimeSpan.FromSeconds(59));
        using var withinOwn = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        using var pastOwn = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", withinOwn.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=stale", pastOwn.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("max-stale")]
    [InlineData("max-stale=3600")]
    public async Task StaleServing_ResponseToRequestWithCookie_AnotherCallersMaxStaleDoesNotGetIt(string directive)
    {
        // Alice's response has no freshness of its own and gets no floor: it is stale at once. Bob asks for any stale
        // response; he must not get hers, which may be personal, without the origin being asked.
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(request => harness.Response(CookieOf(request) == "none" ? "anonymous page" : $"page of {CookieOf(request)}"));

        using var alice = await harness.GetAsync(Url, configure: r => Cookie(r, "session=alice"));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        using var bob = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", directive));

        Assert.Contains("; stored", alice.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("anonymous page", await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StaleWhileRevalidate_ResponseToRequestWithCookie_AnotherCallerWaitsForTheOrigin()
    {
        // A configured stale-while-revalidate window would answer Bob at once with Alice's stale page.
        using var harness = new CachingHarness(o => o.StaleWhileRevalidate = TimeSpan.FromMinutes(10));
        harness.Origin.When(Url).Respond(request => harness.Response(CookieOf(request) == "none" ? "anonymous page" : $"page of {CookieOf(request)}", "max-age=60"));

        using var alice = await harness.GetAsync(Url, configure: r => Cookie(r, "session=alice"));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var bob = await harness.GetAsync(Url);

        Assert.Equal("anonymous page", await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("Cookie", "session=alice", null, 120)]
    [InlineData("Cookie", "session=alice", "max-age=60", 120)]
    [InlineData("Authorization", "Bearer alice", "max-age=60, must-revalidate", 120)]
    [InlineData("Cookie", "session=alice", null, 0)]
    [InlineData("Cookie", "session=alice", "max-age=60", 60)]
    public async Task StaleIfError_ResponseToRequestWithCredentials_NotServedToAnotherCallerWhenTheOriginFails(string field, string value, string? cacheControl, int ageSeconds)
    {
        // The default stale-if-error window (a day) must not hand a response that may be Alice's to Bob on a 503: not
        // once stale, nor at the very moment it goes stale (its age equal to its lifetime).
        using var harness = new CachingHarness();
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("page of alice", cacheControl)
            : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("down") });

        using var alice = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(field, value));
        harness.Time.Advance(TimeSpan.FromSeconds(ageSeconds));
        using var bob = await harness.GetAsync(Url);

        Assert.Contains("; stored", alice.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bob.StatusCode);
        Assert.Equal("down", await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StaleIfError_FreshResponseToRequestWithCookie_ServedWhenACallersNoCacheMeetsAnOriginError()
    {
        // Still fresh, the response is any caller's hit; a caller whose no-cache sends the request to a failing origin
        // gets it too, instead of the 503.
        using var harness = new CachingHarness();
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("page", "max-age=600")
            : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("down") });

        using var first = await harness.GetAsync(Url, configure: r => Cookie(r, "session=alice"));
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        using var noCache = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));

        Assert.Equal(2, calls);
        Assert.Equal(HttpStatusCode.OK, noCache.StatusCode);
        Assert.Equal("page", await noCache.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StaleIfError_PrivateCacheAndResponseToRequestWithCookie_ServedWhenTheOriginFails()
    {
        // A private cache (Shared = false) serves one user: its stale responses to that user's cookies stay usable.
        using var harness = new CachingHarness(o => o.Shared = false);
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("my page", "max-age=60")
            : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("down") });

        using var first = await harness.GetAsync(Url, configure: r => Cookie(r, "session=me"));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var again = await harness.GetAsync(Url, configure: r => Cookie(r, "session=me"));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("my page", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("Cookie", "session=alice")]
    [InlineData("Authorization", "Bearer alice")]
    public async Task StaleIfError_PublicResponseToRequestWithCredentials_ServedWhenTheOriginFails(string field, string value)
    {
        // Marked public, the response is meant for everyone: once stale it is served on an origin error like any other.
        using var harness = new CachingHarness();
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("public data", "public, max-age=60")
            : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("down") });

        using var first = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(field, value));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var other = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("fwd-status=503", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("public data", await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reload_PrivateCacheMadeShared_ItsPrivateResponseIsNotServedToAnotherCaller(bool nearCache)
    {
        // As a private cache (Shared = false) the client stores Alice's private response; a reload makes it a shared
        // cache. Another caller must not get that response, from the store or from this instance's memory.
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?> { ["HttpCaching:Defaults:Shared"] = "false" },
            nearCache: nearCache);
        harness.Origin.When(Url).Respond(request => request.Headers.Authorization is { } auth
            ? harness.Response($"secret of {auth.Parameter}", "private, max-age=600")
            : harness.Response("public page", "max-age=600"));
        harness.ValidateOnStart();
        using (var alice = await harness.GetAsync(Url, configure: r => r.Headers.Authorization = new("Bearer", "alice")))
        {
            Assert.Contains("; stored", alice.CacheStatus(), StringComparison.Ordinal);
        }

        harness.Configuration["HttpCaching:Defaults:Shared"] = "true";
        harness.Configuration.Reload();
        Assert.True(harness.Options().Shared);
        using var other = await harness.GetAsync(Url);

        Assert.Equal("public page", await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Floor_RequestWithoutCredentials_StillApplies()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=0, must-revalidate"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(29));
        using var second = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("private, max-age=600")]
    [InlineData("no-store")]
    public async Task Revalidation_NotModifiedMakesResponseUnstorable_RemovesIt(string cacheControl)
    {
        // RFC 9111 §4.3.4: the 304's fields update the stored response, which is then checked again.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified(cacheControl, "\"v1\""));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        using var revalidated = await harness.GetAsync(Url);
        using var next = await harness.GetAsync(Url);

        Assert.Equal("v1", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=uri-miss", next.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Revalidation_NotModifiedPrivateInPrivateCache_KeepsIt()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.Shared = false;
        });
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("private, max-age=600", "\"v1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        await harness.GetAsync(Url);
        using var next = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", next.CacheStatus());
    }

    [Theory]
    [InlineData("private, max-age=600")]
    [InlineData("no-store")]
    public async Task CallerConditional_NotModifiedMakesResponseUnstorable_RemovesIt(string cacheControl)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified(cacheControl, "\"v1\""));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        using var conditional = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\""));
        using var next = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.StartsWith("HttpCaching; fwd=uri-miss", next.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task CallerConditional_NotModifiedWithoutValidators_DoesNotReviveStoredVersionWithOne()
    {
        // A caller's own If-Modified-Since answered by a 304 with only Date and max-age names no representation:
        // RFC 9111 §4.3.4 lets it select only a stored response that has no validator either.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-Modified-Since", "Mon, 05 Jan 2026 09:00:00 GMT").Respond(_ => harness.NotModified("max-age=600"));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        using var conditional = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-Modified-Since", "Mon, 05 Jan 2026 09:00:00 GMT"));
        using var next = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.StartsWith("HttpCaching; fwd=stale", next.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task CallerConditional_NotModifiedWithoutValidators_FreshensStoredResponseWithoutOne()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-Modified-Since", "Mon, 05 Jan 2026 09:00:00 GMT").Respond(_ => harness.NotModified("max-age=600"));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60"));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-Modified-Since", "Mon, 05 Jan 2026 09:00:00 GMT"));
        using var next = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", next.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(full));
    }

    [Theory]
    [InlineData("\"v1\"", null)]
    [InlineData(null, "Mon, 05 Jan 2026 09:00:00 GMT")]
    [InlineData("\"v1\"", "Mon, 05 Jan 2026 09:00:00 GMT")]
    public async Task Revalidation_NotModifiedWithoutValidators_RefreshesTheStoredResponse_OneOriginRequest(string? etag, string? lastModified)
    {
        // The cache asked about the stored response alone (its own validators): a 304 says that one is current, even
        // when it does not repeat the validators (RFC 9110 §13.1.2, §13.1.3). Fetching again would cost a second request.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var notModified = harness.Origin.When(Url)
            .With(r => r.Headers.IfNoneMatch.Count > 0 || r.Headers.IfModifiedSince is not null)
            .Respond(_ => harness.NotModified("max-age=600"));
        var full = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("v1", "max-age=60", etag);
            if (lastModified is not null)
            {
                response.Content.Headers.TryAddWithoutValidation("Last-Modified", lastModified);
            }

            return response;
        });
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        using var revalidated = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("v1", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Origin.GetMatchCount(notModified));
        Assert.Equal(1, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Revalidation_NotModifiedNamingAnotherETag_FetchesFullResponse()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var version = 1;
        var notModified = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=600", "\"v2\""));
        harness.Origin.When(Url).Respond(_ => harness.Response($"v{version}", "max-age=60", $"\"v{version}\""));
        await harness.GetAsync(Url);
        version = 2;
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        using var response = await harness.GetAsync(Url);

        Assert.Equal("v2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, harness.Origin.GetMatchCount(notModified));
    }

    [Theory]
    [InlineData("private, max-age=600", false)]
    [InlineData("private=\"X-User\", max-age=600", false)]
    [InlineData("max-age=600", true)]
    public async Task PrivateResponseStoredByAPrivateCache_NeverServedByASharedOneOnTheSameStore(string cacheControl, bool authorization)
    {
        // Two instances on one store and prefix, one still configured as a private cache (a rolling deploy that flips
        // Shared): what it stored for its user is a miss for the shared one.
        var store = new RecordingDistributedCache(TimeProvider.System);
        using var privateCache = new CachingHarness(o => { o.Shared = false; o.MinimumFreshness = TimeSpan.Zero; }, registerStore: false, services: s => s.AddSingleton<IDistributedCache>(store));
        using var sharedCache = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, registerStore: false, services: s => s.AddSingleton<IDistributedCache>(store));
        privateCache.Origin.When(Url).Respond(_ =>
        {
            var page = privateCache.Response("alice's page", cacheControl);
            page.Headers.TryAddWithoutValidation("X-User", "alice");
            return page;
        });
        var shared = sharedCache.Origin.When(Url).Respond(_ => sharedCache.Response("bob's page", cacheControl));

        using (await privateCache.GetAsync(Url, configure: r =>
        {
            if (authorization)
            {
                r.Headers.TryAddWithoutValidation("Authorization", "Bearer alice");
            }
        }))
        {
        }

        using var response = await sharedCache.GetAsync(Url);

        Assert.NotEmpty(store.Keys);
        Assert.Equal("bob's page", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, sharedCache.Origin.GetMatchCount(shared));
    }

    [Theory]
    [InlineData("W/\"v1\"", "\"v1\"", false)]
    [InlineData("W/\"v1\"", "W/\"v1\"", true)]
    [InlineData("\"v1\"", "W/\"v1\"", true)]
    [InlineData("\"v1\"", "\"v1\"", true)]
    public async Task Revalidation_NotModifiedETag_SelectsByTheRfcComparison(string stored, string notModified, bool selects)
    {
        // §4.3.4: a strong validator in the 304 selects only a stored response with the same strong validator.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", stored).Respond(_ => harness.NotModified("max-age=600", notModified));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", stored));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        await harness.GetAsync(Url);

        Assert.Equal(selects ? 1 : 2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Revalidation_NotModifiedWithoutDate_AgeStartsAtReceipt()
    {
        // RFC 9110 §6.6.1: a response without Date gets one when it is received; the old stored Date must not make the
        // refreshed entry permanently stale.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            var response = harness.NotModified("max-age=60", "\"v1\"");
            response.Headers.Date = null;
            return response;
        });
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("v1", "max-age=60", "\"v1\""));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(10));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(20));
        using var next = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", next.CacheStatus());
        Assert.Equal("20", next.Headers.GetValues("Age").Single());
        Assert.Equal(1, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Store_ResponseWithoutDate_ServedWithTheDateItWasReceived()
    {
        using var harness = new CachingHarness();
        var received = harness.Time.GetUtcNow();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("v1", "max-age=600");
            response.Headers.Date = null;
            return response;
        });
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(30));

        using var hit = await harness.GetAsync(Url);

        Assert.Equal(received, hit.Headers.Date);
        Assert.Equal("30", hit.Headers.GetValues("Age").Single());
    }

    [Fact]
    public async Task Vary_VariantsWithTheSameStrongETag_KeepTheirOwnBodies()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(request =>
        {
            var french = request.Headers.AcceptLanguage.ToString() == "fr";
            var response = harness.Response(french ? "bonjour" : "hello!!", "max-age=600", "\"same\"");
            response.Headers.Vary.Add("Accept-Language");
            return response;
        });

        Task<HttpResponseMessage> Get(string language) => harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Accept-Language", language));
        (await Get("en")).Dispose();
        (await Get("fr")).Dispose();
        using var english = await Get("en");
        using var french = await Get("fr");

        Assert.StartsWith("HttpCaching; hit", english.CacheStatus());
        Assert.Equal("hello!!", await english.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", french.CacheStatus());
        Assert.Equal("bonjour", await french.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_WithContent_ForwardedUntouchedAndNotCached()
    {
        var bodies = new List<string>();
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler(async (request, token) =>
        {
            var body = request.Content is null ? "(none)" : await request.Content.ReadAsStringAsync(token);
            lock (bodies)
            {
                bodies.Add(body);
            }

            return self!.Response("results for " + body, "max-age=600");
        }));

        using var cats = await harness.GetAsync(Url, configure: r => r.Content = new StringContent("{\"q\":\"cats\"}", Encoding.UTF8, "application/json"));
        using var dogs = await harness.GetAsync(Url, configure: r => r.Content = new StringContent("{\"q\":\"dogs\"}", Encoding.UTF8, "application/json"));
        using var plain = await harness.GetAsync(Url);

        Assert.Equal("results for {\"q\":\"dogs\"}", await dogs.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=bypass; fwd-status=200", cats.CacheStatus());
        Assert.Equal(["{\"q\":\"cats\"}", "{\"q\":\"dogs\"}", "(none)"], bodies);
        Assert.StartsWith("HttpCaching; fwd=uri-miss", plain.CacheStatus());
    }

    [Theory]
    [InlineData("private")]
    [InlineData("no-store")]
    [InlineData(null)]
    public async Task Collapsed_LeaderGetsOriginError_FollowersMakeTheirOwnRequests(string? cacheControl)
    {
        // The stored response must be revalidated, so stale-if-error cannot serve it: the leader gets the origin's error.
        // That error (maybe private, maybe with Set-Cookie) is the leader's alone.
        const int callers = 5;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var failing = false;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero, origin: new LambdaHandler(async (_, _) =>
        {
            if (!Volatile.Read(ref failing))
            {
                return self!.Response("good", "max-age=60, must-revalidate", "\"v1\"");
            }

            var call = Interlocked.Increment(ref calls);
            await gate.Task;
            var error = self!.Response($"error for caller {call}", cacheControl, status: HttpStatusCode.InternalServerError);
            error.Headers.TryAddWithoutValidation("Set-Cookie", $"session={call}");
            return error;
        }));
        await harness.GetAsync(Url);
        Volatile.Write(ref failing, true);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var client = harness.Client();
        var tasks = ConcurrentCallers.Start(callers, () => client.GetAsync(Url, TestContext.Current.CancellationToken));
        gate.SetResult();
        var responses = await Task.WhenAll(tasks);

        var bodies = new HashSet<string>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.DoesNotContain("collapsed", response.CacheStatus(), StringComparison.Ordinal);
            bodies.Add(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            response.Dispose();
        }

        Assert.Equal(callers, bodies.Count);
        Assert.Equal(callers, calls);
    }

    private static void Cookie(HttpRequestMessage request, string value) => request.Headers.TryAddWithoutValidation("Cookie", value);

    private static string CookieOf(HttpRequestMessage request) =>
        request.Headers.TryGetValues("Cookie", out var values) ? string.Join("; ", values) : "none";

    [Theory]
    [InlineData(null, "Cookie")]
    [InlineData("Accept-Language", "Accept-Language, Cookie")]
    public async Task Revalidation_NotModifiedWidensVary_OtherCookieNotServedStoredResponse(string? firstVary, string notModifiedVary)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            calls++;
            if (calls == 2 && request.Headers.IfNoneMatch.Count > 0)
            {
                var notModified = harness.NotModified("max-age=600", "\"v1\"");
                notModified.Headers.TryAddWithoutValidation("Vary", notModifiedVary);
                return notModified;
            }

            var response = harness.Response($"for {CookieOf(request)}", "max-age=0", calls == 1 ? "\"v1\"" : "\"v2\"");
            response.Headers.TryAddWithoutValidation("Vary", calls == 1 ? firstVary : notModifiedVary);
            return response;
        });

        void Alice(HttpRequestMessage r)
        {
            Cookie(r, "session=alice");
            r.Headers.TryAddWithoutValidation("Accept-Language", "en");
        }

        void Bob(HttpRequestMessage r)
        {
            Cookie(r, "session=bob");
            r.Headers.TryAddWithoutValidation("Accept-Language", "en");
        }

        (await harness.GetAsync(Url, configure: Alice)).Dispose();
        // Stale: revalidated. The 304 adds Cookie to what the response varies on; it was stored, and would be selected,
        // by the names it varied on before. So it is removed: Bob's request is answered by the origin.
        (await harness.GetAsync(Url, configure: Alice)).Dispose();
        using var bob = await harness.GetAsync(Url, configure: Bob);

        var body = await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.NotEqual("for session=alice", body);
    }

    [Theory]
    [InlineData("max-age=600, private, private=\"X-Trace\"", null)]
    [InlineData("max-age=600, private", "private=\"X-Trace\"")]
    public async Task Store_UnqualifiedPrivateThenQualifiedPrivate_NotServedToAnotherUser(string firstLine, string? secondLine)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            calls++;
            var response = harness.Response($"for {CookieOf(request)}");
            response.Headers.TryAddWithoutValidation("Cache-Control", firstLine);
            if (secondLine is not null)
            {
                response.Headers.TryAddWithoutValidation("Cache-Control", secondLine);
            }

            return response;
        });

        // An unqualified private anywhere makes the whole response private, whatever qualified one comes with it.
        (await harness.GetAsync(Url, configure: r => Cookie(r, "session=alice"))).Dispose();
        using var bob = await harness.GetAsync(Url, configure: r => Cookie(r, "session=bob"));

        Assert.Equal("for session=bob", await bob.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Revalidation_NotModifiedToAuthorizedRequest_ItsFieldsNotServedToAnonymousCaller()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            calls++;
            if (request.Headers.Authorization is not null && request.Headers.IfNoneMatch.Count > 0)
            {
                var notModified = harness.NotModified("max-age=600", "\"v1\"");
                notModified.Headers.TryAddWithoutValidation("X-User", "bob");
                return notModified;
            }

            return harness.Response("public body", "max-age=0", "\"v1\"");
        });

        // A stale shared response revalidated for a caller with Authorization: the 304 answers that request, and says
        // neither public, s-maxage nor must-revalidate (RFC 9111 §3.5). Its fields and freshness stay that caller's.
        (await harness.GetAsync(Url)).Dispose();
        (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer bob-token"))).Dispose();
        using var anonymous = await harness.GetAsync(Url);

        Assert.False(anonymous.Headers.Contains("X-User"), "the 304 to a request with Authorization updated the shared response");
    }

    [Fact]
    public async Task Head_ResponseToAuthorizedRequest_ItsFieldsNotServedToAnonymousCaller()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).Respond(request =>
        {
            if (request.Method == HttpMethod.Head)
            {
                var head = harness.Response(string.Empty, "max-age=600", "\"v1\"");
                head.Content.Headers.ContentLength = "public body".Length;
                head.Headers.TryAddWithoutValidation("X-User", "bob");
                return head;
            }

            return harness.Response("public body", "max-age=0", "\"v1\"");
        });

        // The same through HEAD (RFC 9111 §4.3.5): a HEAD response to a request with Authorization does not update the
        // stored GET response for everyone.
        (await harness.GetAsync(Url)).Dispose();
        using (var headRequest = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            headRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer bob-token");
            (await harness.Client().SendAsync(headRequest, TestContext.Current.CancellationToken)).Dispose();
        }

        using var anonymous = await harness.GetAsync(Url);

        Assert.False(anonymous.Headers.Contains("X-User"), "the HEAD response to a request with Authorization updated the shared response");
    }

    [Theory]
    [InlineData("public, max-age=600")]
    [InlineData("s-maxage=600")]
    public async Task Revalidation_NotModifiedToAuthorizedRequestThatMayBeShared_UpdatesTheSharedResponse(string cacheControl)
    {
        // A 304 to a request with Authorization that says it may be shared (RFC 9111 §3.5) refreshes the stored
        // response for everyone, as any other 304 does.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            calls++;
            if (request.Headers.Authorization is not null && request.Headers.IfNoneMatch.Count > 0)
            {
                var notModified = harness.NotModified(cacheControl, "\"v1\"");
                notModified.Headers.TryAddWithoutValidation("X-Refreshed", "yes");
                return notModified;
            }

            return harness.Response("public body", "max-age=0", "\"v1\"");
        });

        (await harness.GetAsync(Url)).Dispose();
        (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer bob-token"))).Dispose();
        using var anonymous = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", anonymous.CacheStatus());
        Assert.True(anonymous.Headers.Contains("X-Refreshed"));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Revalidation_NotModifiedWithTheSameVaryInAnotherForm_UpdatesTheStoredResponse()
    {
        // Case, order, white space and repetition do not change what a response varies on.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            calls++;
            if (request.Headers.IfNoneMatch.Count > 0)
            {
                var notModified = harness.NotModified("max-age=600", "\"v1\"");
                notModified.Headers.TryAddWithoutValidation("Vary", "accept-language ,ACCEPT, Accept");
                return notModified;
            }

            var response = harness.Response("body", "max-age=0", "\"v1\"");
            response.Headers.TryAddWithoutValidation("Vary", "Accept, Accept-Language");
            return response;
        });

        (await harness.GetAsync(Url)).Dispose();
        (await harness.GetAsync(Url)).Dispose();
        using var again = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", again.CacheStatus());
        Assert.Equal(2, calls);
    }
    [Theory]
    [InlineData("private=\"X-User\", max-age=60")]
    [InlineData("no-cache=\"X-User\", max-age=60")]
    public async Task Revalidate_NotModifiedWithoutCacheControlCarriesWithheldField_FieldNotStored(string storedCacheControl)
    {
        // The stored response names X-User as one user's field. A 304 without Cache-Control leaves the stored
        // directives in force (RFC 9111 §3.2), so they withhold the field the 304 brings too.
        // (With no-cache="…" the response is revalidated each time; only the first 304 carries the field.)
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var revalidations = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            var notModified = harness.NotModified(etag: "\"v1\"");
            if (++revalidations == 1)
            {
                notModified.Headers.TryAddWithoutValidation("X-User", "bob");
            }

            return notModified;
        });
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("shared part", storedCacheControl, "\"v1\""));

        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        (await harness.GetAsync(Url)).Dispose();
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.False(hit.Headers.Contains("X-User"), "a field the stored directives withhold was stored from a 304");
    }

    [Theory]
    [InlineData("private=\"X-User\", max-age=60", "X-User")]
    [InlineData("no-cache=\"X-User\", max-age=60", "X-User")]
    [InlineData("private=\"Content-Language\", max-age=60", "Content-Language")]
    public async Task Head_ResponseWithoutCacheControlCarriesWithheldField_FieldNotStored(string storedCacheControl, string field)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(HttpMethod.Head, Url).Respond(_ =>
        {
            var head = harness.Response(string.Empty, etag: "\"v1\"");
            head.Content.Headers.ContentLength = "shared part".Length;
            if (!head.Headers.TryAddWithoutValidation(field, "bob"))
            {
                head.Content.Headers.TryAddWithoutValidation(field, "bob");
            }

            return head;
        });
        harness.Origin.When(HttpMethod.Get, Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified(etag: "\"v1\""));
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("shared part", storedCacheControl, "\"v1\""));

        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using (var headRequest = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            (await harness.Client().SendAsync(headRequest, TestContext.Current.CancellationToken)).Dispose();
        }

        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(get));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.False(
            hit.Headers.NonValidated.Contains(field) || hit.Content.Headers.NonValidated.Contains(field),
            "a field the stored directives withhold was stored from a HEAD response");
    }

    [Fact]
    public async Task Revalidate_NotModifiedNamesAStoredFieldPrivate_StoredFieldDropped()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => harness.NotModified("private=\"X-Trace\", max-age=60", "\"v1\""));
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("shared part", "max-age=60", "\"v1\"");
            response.Headers.TryAddWithoutValidation("X-Trace", "first-caller");
            return response;
        });

        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        (await harness.GetAsync(Url)).Dispose();
        using var hit = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.False(hit.Headers.Contains("X-Trace"), "a field the updated directives withhold stayed stored");
    }
}
