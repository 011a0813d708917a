using System.Net;
using System.Net.Http.Headers;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>Storability (RFC 9111 §3) and the response and request directives of §5.2.</summary>
public sealed class DirectiveTests
{
    private const string Url = "https://api.example.test/oembed?url=x";

    [Fact]
    public async Task Get_NoCacheResponse_StoredButValidatedBeforeReuse()
    {
        using var harness = new CachingHarness();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => harness.NotModified("no-cache", "\"v1\""));
        var full = harness.Origin.When(Url).Respond(_ => harness.Response("body", "no-cache", "\"v1\""));

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("body", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", second.CacheStatus());
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public async Task Get_PrivateResponse_StoredOnlyByPrivateCache(bool shared, int expectedOriginCalls)
    {
        using var harness = new CachingHarness(o => o.Shared = shared);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("mine", "private, max-age=600"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(expectedOriginCalls, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_PrivateWithFieldNames_StoredWithoutThoseFields()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("shared part", "private=\"X-User\", max-age=600");
            response.Headers.TryAddWithoutValidation("X-User", "alice");
            response.Headers.TryAddWithoutValidation("X-Other", "kept");
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("alice", first.Header("X-User"));
        Assert.Null(hit.Header("X-User"));
        Assert.Equal("kept", hit.Header("X-Other"));
    }

    [Theory]
    [InlineData(true, "max-age=600", 2)]
    [InlineData(true, "public, max-age=600", 1)]
    [InlineData(true, "s-maxage=600", 1)]
    [InlineData(true, "must-revalidate, max-age=600", 1)]
    [InlineData(false, "max-age=600", 1)]
    public async Task Get_RequestWithAuthorization_StoredOnlyWhenAllowed(bool shared, string cacheControl, int expectedOriginCalls)
    {
        using var harness = new CachingHarness(o => o.Shared = shared);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", cacheControl));
        void Authorize(HttpRequestMessage request) => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "token");

        await harness.GetAsync(Url, configure: Authorize);
        await harness.GetAsync(Url, configure: Authorize);

        Assert.Equal(expectedOriginCalls, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData(true, 1200)]
    [InlineData(false, 60)]
    public async Task Get_SharedMaxAge_AppliesToSharedCacheOnly(bool shared, int expectedTtl)
    {
        using var harness = new CachingHarness(o =>
        {
            o.Shared = shared;
            o.MinimumFreshness = TimeSpan.Zero;
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=60, s-maxage=1200"));

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal($"HttpCaching; hit; ttl={expectedTtl}", hit.CacheStatus());
    }

    [Fact]
    public async Task Get_MustRevalidateOnceStale_RequestMaxStaleCannotOverride()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=60, must-revalidate"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "max-stale=3600"));

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_RequestMaxStale_ServesStaleWithoutMustRevalidate()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=60"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "max-stale=60"));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; hit; ttl=-30", response.CacheStatus());
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("max-age=0")]
    [InlineData("min-fresh=2000")]
    public async Task Get_RequestDirectiveForbidsStoredResponse_GoesToOrigin(string requestCacheControl)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", requestCacheControl));

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; fwd=request", response.CacheStatus());
    }

    [Fact]
    public async Task Get_PragmaNoCacheWithoutCacheControl_Revalidates()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Pragma", "no-cache"));

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_RequestNoStore_NeitherServedNorStored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        using var first = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-store"));
        Assert.Equal(0, harness.Store.SetCount());

        await harness.GetAsync(Url);
        using var third = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-store"));

        Assert.Equal(3, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; fwd=request; fwd-status=200", third.CacheStatus());
    }

    [Fact]
    public async Task Get_OnlyIfCachedOnMiss_Returns504WithoutContactingOrigin()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(0, harness.Origin.GetMatchCount(origin));
    }

    // A ';' between directives is a common origin mistake ("no-cache; no-store", "max-age=600; private"). Read as the
    // start of ignored parameters it would hide the restriction after it, and a shared cache would keep and share one
    // user's response: the restrictive directives after a ';' count.
    [Theory]
    [InlineData("max-age=600; private")]
    [InlineData("max-age=600;no-store")]
    [InlineData("public, max-age=600 ; private")]
    public async Task Get_RestrictionAfterASemicolon_NotStored(string cacheControl)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", cacheControl));

        using (await harness.GetAsync(Url))
        {
        }

        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    // The ';' reading looks for restrictions where parameters would be, but a quoted string after the ';' is one
    // value: a restriction's name inside it is text, not a directive (RFC 9110 §5.6.4), as it is for a directive's own
    // quoted value (private="a;no-store").
    [Theory]
    [InlineData("max-age=600; ext=\"a;no-store;b\"")]
    [InlineData("max-age=600; ext=\"x;private y\"")]
    [InlineData("max-age=600;ext=\"1;no-cache;2\"")]
    public async Task Get_RestrictionNameInsideAQuotedValueAfterASemicolon_Stored(string cacheControl)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", cacheControl));

        using (await harness.GetAsync(Url))
        {
        }

        using var second = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal("data", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    // RFC 9111 §5.2.1.7: only-if-cached asks for a stored response or a 504, never the origin, whatever else the
    // request carries that keeps the cache from answering it from the store.
    [Theory]
    [InlineData("Cache-Control", "no-store")]
    [InlineData("Range", "bytes=0-1, 3-4")]
    [InlineData("If-Match", "\"x\"")]
    [InlineData("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]
    public async Task Get_OnlyIfCachedWithWhatBypassesTheCache_Returns504WithoutContactingOrigin(string header, string value)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Cache-Control", "only-if-cached");
            r.Headers.TryAddWithoutValidation(header, value);
        });

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(0, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_OnlyIfCachedOnHit_ServesStoredResponse()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
    }

    [Theory]
    [InlineData("If-Match", "\"x\"")]
    [InlineData("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Range", "bytes=0-1, 3-4")]
    public async Task Get_PreconditionOrSeveralRanges_BypassesTheCache(string header, string value)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "max-age=600"));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, value));

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("HttpCaching; fwd=bypass; fwd-status=200", response.CacheStatus());
    }

    [Fact]
    public async Task Get_MustUnderstandWithUnderstoodStatus_OverridesNoStore()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("data", "must-understand, no-store, max-age=600"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }
}
