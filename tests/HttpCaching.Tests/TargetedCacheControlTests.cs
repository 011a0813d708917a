using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Options;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Targeted cache control (RFC 9213): a field such as <c>CDN-Cache-Control</c> that rules instead of Cache-Control; and
/// <c>Surrogate-Control</c>, whose directives can target one cache by its device token.
/// </summary>
public sealed class TargetedCacheControlTests
{
    private const string Url = "https://api.example.test/oembed?url=x";

    [Theory]
    [InlineData("CDN-Cache-Control", "max-age=3600")]
    [InlineData("Surrogate-Control", "max-age=3600;httpcaching")]
    [InlineData("Surrogate-Control", "max-age=3600")]
    public async Task Get_TargetedMaxAgeOverCacheControlNoStore_StoredAndReused(string field, string value)
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.TargetedCacheControlFields.Add(field);
        });
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), field, value));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(59));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ShortTargetedMaxAgeUnderLongCacheControl_StaleOnceTheTargetedLifetimeEnds()
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=3600"), "CDN-Cache-Control", "max-age=1"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TargetedMaxAgeWithExpiresInThePast_ExpiresIgnored()
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = With(harness.Response("body"), "CDN-Cache-Control", "max-age=3600");
            response.Content.Headers.TryAddWithoutValidation("Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TargetedMaxAgeZeroWithExpiresInTheFuture_NotReused()
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = With(harness.Response("body"), "CDN-Cache-Control", "max-age=0");
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(3);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TargetedFieldWithoutLifetime_ExpiresGivesNoFreshness()
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = With(harness.Response("body"), "CDN-Cache-Control", "public");
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(3);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TargetedFieldWithoutFreshness_ExpiresDoesNotMakeItStorable()
    {
        using var harness = Targeted();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified(null, "\"v1\""));
        var full = harness.Origin.When(Url).Respond(_ =>
        {
            // 302 is not heuristically cacheable: only explicit freshness makes it storable.
            var response = With(harness.Response("moved", null, "\"v1\"", HttpStatusCode.Found), "CDN-Cache-Control", "must-revalidate");
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(3);
            return response;
        });

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(full));
        Assert.Equal(0, harness.Origin.GetMatchCount(conditional));
    }

    [Theory]
    [InlineData("private")]
    [InlineData("no-store")]
    public async Task Get_TargetedFieldForbidsStorage_NotStoredWhateverCacheControlSays(string targeted)
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "public, max-age=10000"), "CDN-Cache-Control", targeted));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_TargetedNoCache_ValidatedBeforeEveryReuse()
    {
        using var harness = Targeted();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => With(harness.NotModified("max-age=10000", "\"v1\""), "CDN-Cache-Control", "no-cache"));
        var full = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=10000", "\"v1\""), "CDN-Cache-Control", "no-cache"));

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal("body", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("max-age=10000, &&&&&")]
    [InlineData("max-age =10000")]
    public async Task Get_InvalidTargetedField_IgnoredSoCacheControlRules(string targeted)
    {
        using var harness = Targeted();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), "CDN-Cache-Control", targeted));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_NoTargetList_TargetedFieldIgnored()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), "CDN-Cache-Control", "max-age=3600"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_304WithTargetedMaxAge_FreshnessFromTheMergedTargetedField()
    {
        using var harness = Targeted();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => With(harness.NotModified("max-age=0", "\"v1\""), "CDN-Cache-Control", "max-age=3600"));
        var full = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=0", "\"v1\""), "CDN-Cache-Control", "max-age=0"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(30));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_304WithTargetedNoStore_StoredResponseRemoved()
    {
        using var harness = Targeted();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => With(harness.NotModified(null, "\"v1\""), "CDN-Cache-Control", "no-store"));
        var full = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=0", "\"v1\""), "CDN-Cache-Control", "max-age=0"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal(2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Configuration_TargetList_BoundFromTheClientSection()
    {
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?>
            {
                ["HttpCaching:Clients:test:MinimumFreshness"] = "00:00:00",
                ["HttpCaching:Clients:test:TargetedCacheControlFields:0"] = "HttpCaching-Cache-Control",
                ["HttpCaching:Clients:test:TargetedCacheControlFields:1"] = "CDN-Cache-Control",
            });
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), "CDN-Cache-Control", "max-age=60"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(["HttpCaching-Cache-Control", "CDN-Cache-Control"], harness.Options().TargetedCacheControlFields);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("Cache-Control", "TargetedCacheControlFields:0 must be a targeted field")]
    [InlineData("CDN Cache Control", "TargetedCacheControlFields:0 must be a header field name")]
    [InlineData("", "TargetedCacheControlFields:0 must be a header field name")]
    public void ValidateOnStart_BadTargetedField_FailsNamingTheKey(string field, string expected)
    {
        using var harness = new CachingHarness(o => o.TargetedCacheControlFields.Add(field));

        var error = Assert.Throws<OptionsValidationException>(harness.ValidateOnStart);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_TargetedFieldTwice_FailsNamingTheSecond()
    {
        using var harness = new CachingHarness(o =>
        {
            o.TargetedCacheControlFields.Add("CDN-Cache-Control");
            o.TargetedCacheControlFields.Add("cdn-cache-control");
        });

        var error = Assert.Throws<OptionsValidationException>(harness.ValidateOnStart);

        Assert.Contains("TargetedCacheControlFields:1 names cdn-cache-control a second time", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("no-store-remote")]
    [InlineData("max-age=3600;other, no-store")]
    public async Task Get_SurrogateControlNoStoreUnderCacheControlMaxAge_NotStored(string surrogate)
    {
        using var harness = Surrogate();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=3600"), "Surrogate-Control", surrogate));

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.DoesNotContain("hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SurrogateControlForAnotherCacheOnly_CacheControlRules()
    {
        using var harness = Surrogate();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=60"), "Surrogate-Control", "no-store;other, max-age=9999;other"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(31));
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_SurrogateControlTargetedAtTheConfiguredToken_AppliesToThisCacheOnly()
    {
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?>
            {
                ["HttpCaching:Clients:test:MinimumFreshness"] = "00:00:00",
                ["HttpCaching:Clients:test:TargetedCacheControlFields:0"] = "Surrogate-Control",
                ["HttpCaching:Clients:test:SurrogateDeviceToken"] = "edge-eu",
            });
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), "Surrogate-Control", "max-age=60;edge-eu, no-store;httpcaching"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal("edge-eu", harness.Options().SurrogateDeviceToken);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Theory]
    [InlineData("")]
    [InlineData("edge eu")]
    [InlineData("edge;eu")]
    public void ValidateOnStart_BadSurrogateDeviceToken_FailsNamingTheKey(string token)
    {
        using var harness = new CachingHarness(o => o.SurrogateDeviceToken = token);

        var error = Assert.Throws<OptionsValidationException>(harness.ValidateOnStart);

        Assert.Contains("SurrogateDeviceToken must be a token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SurrogateControlLifetime_CacheControlPrivate_NeverShared()
    {
        // One user's page: private for every cache, with a surrogate lifetime meant for pages that are not.
        using var harness = Surrogate();
        var origin = harness.Origin.When(Url).Respond(request =>
            With(harness.Response($"page of {(request.Headers.NonValidated.TryGetValues("Cookie", out var cookie) ? cookie.ToString() : "nobody")}", "private, max-age=0"), "Surrogate-Control", "max-age=300"));

        using (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cookie", "session=alice")))
        {
        }

        using var other = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal("page of nobody", await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_304WithSurrogateNoStoreForThisCache_StoredResponseRemoved()
    {
        using var harness = Surrogate();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => With(harness.NotModified(null, "\"v1\""), "Surrogate-Control", "no-store ; httpcaching"));
        var full = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "max-age=3600", "\"v1\""), "Surrogate-Control", "max-age=0"));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal(2, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Get_MalformedSurrogateControl_CacheControlNoStoreStillRules()
    {
        using var harness = Surrogate();
        var origin = harness.Origin.When(Url).Respond(_ => With(harness.Response("body", "no-store"), "Surrogate-Control", "no-cache, max-age=60s"));

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Empty(harness.Store.Keys);
    }

    [Fact]
    public async Task Get_MalformedSurrogateControlNoCache_NoCacheControl_StoredButRevalidatedEachTime()
    {
        using var harness = Surrogate();
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"")
            .Respond(_ => With(harness.NotModified(null, "\"v1\""), "Surrogate-Control", "no-cache, max-age=60s"));
        var full = harness.Origin.When(Url).Respond(_ =>
        {
            // Fresh for an hour by Expires: only the field's no-cache makes the cache ask again.
            var response = With(harness.Response("body", null, "\"v1\""), "Surrogate-Control", "no-cache, max-age=60s");
            response.Content.Headers.Expires = harness.Time.GetUtcNow().AddHours(1);
            return response;
        });

        await harness.GetAsync(Url);
        await harness.GetAsync(Url);
        await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(2, harness.Origin.GetMatchCount(conditional));
    }

    private static CachingHarness Surrogate() => new(o =>
    {
        o.MinimumFreshness = TimeSpan.Zero;
        o.TargetedCacheControlFields.Add("Surrogate-Control");
    });

    private static CachingHarness Targeted() => new(o =>
    {
        o.MinimumFreshness = TimeSpan.Zero;
        o.TargetedCacheControlFields.Add("CDN-Cache-Control");
    });

    private static HttpResponseMessage With(HttpResponseMessage response, string name, string value)
    {
        response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }
}
