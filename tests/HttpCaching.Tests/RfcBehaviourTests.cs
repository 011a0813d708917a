using System.Net;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>HEAD (RFC 9111 §4.3.5), the caller's conditional requests (§4.3.2) and invalidation (§4.4).</summary>
public sealed class RfcBehaviourTests
{
    private const string Url = "https://api.example.test/doc";

    [Fact]
    public async Task Head_FreshStoredGet_ServedWithoutBodyOrOrigin()
    {
        using var harness = new CachingHarness();
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("0123456789", "max-age=600", "\"d1\""));
        var head = harness.Origin.When(HttpMethod.Head, Url).Respond(_ => harness.Response("", "max-age=600", "\"d1\""));

        await harness.GetAsync(Url);
        using var request = new HttpRequestMessage(HttpMethod.Head, Url);
        using var response = await harness.Client().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(0, harness.Origin.GetMatchCount(head));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("\"d1\"", response.Headers.ETag?.ToString());
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
    }

    [Fact]
    public async Task Head_Miss_ForwardedAndNothingStored()
    {
        using var harness = new CachingHarness();
        var head = harness.Origin.When(HttpMethod.Head, Url).Respond(_ => harness.Response("", "max-age=600", "\"d1\""));

        using var request = new HttpRequestMessage(HttpMethod.Head, Url);
        using var response = await harness.Client().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(1, harness.Origin.GetMatchCount(head));
        Assert.Empty(harness.Store.Keys);
    }

    [Fact]
    public async Task Head_ResponseToStaleGet_RefreshesItsFreshness()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("body", "max-age=60", "\"d1\""));
        harness.Origin.When(HttpMethod.Head, Url).Respond(_ => harness.Response("", "max-age=600", "\"d1\""));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using (var head = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            (await harness.Client().SendAsync(head, TestContext.Current.CancellationToken)).Dispose();
        }

        using var hit = await harness.GetAsync(Url);
        Assert.Equal(1, harness.Origin.GetMatchCount(get));
        Assert.Equal("HttpCaching; hit; ttl=600", hit.CacheStatus());
    }

    [Fact]
    public async Task Head_ResponseNamingAnotherRepresentation_MakesStoredGetUnusable()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(HttpMethod.Get, Url).WithHeaders("If-None-Match", "\"d1\"").Respond(_ => harness.Response("new", "max-age=600", "\"d2\""));
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("body", "max-age=600", "\"d1\""));
        harness.Origin.When(HttpMethod.Head, Url).Respond(_ => harness.Response("", "max-age=600", "\"d2\""));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await HeadAsync(harness);
        using var after = await harness.GetAsync(Url);

        // Still fresh by its own max-age, but the HEAD response showed it outdated: removed, never served again.
        Assert.StartsWith("HttpCaching; fwd=uri-miss; fwd-status=200", after.CacheStatus());
        Assert.Equal(2, harness.Origin.GetMatchCount(get));
    }

    [Theory]
    [InlineData(null, "\"d1\"", "4", true)]
    [InlineData(null, "\"d1\"", null, true)]
    [InlineData(null, "\"d1\"", "5", false)]
    [InlineData("Tue, 06 Jan 2026 09:00:00 GMT", "\"d1\"", "4", false)]
    [InlineData("Mon, 05 Jan 2026 09:00:00 GMT", "\"d1\"", "4", true)]
    [InlineData("Mon, 05 Jan 2026 09:00:00 GMT", null, "4", true)]
    [InlineData("Tue, 06 Jan 2026 09:00:00 GMT", null, null, false)]
    [InlineData(null, null, "4", false)]
    [InlineData(null, "\"d2\"", "4", false)]
    [InlineData(null, "W/\"d1\"", "4", false)]
    public async Task Head_Freshens_OnlyWhenValidatorsAndLengthMatch(string? lastModified, string? etag, string? contentLength, bool freshens)
    {
        // RFC 9111 §4.3.5: the stored GET ("body", "d1", Last-Modified 5 January) is freshened only when every validator
        // the HEAD response carries matches, and its Content-Length, if any, is the stored length; otherwise it is stale.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=60", "\"d1\"");
            response.Content.Headers.TryAddWithoutValidation("Last-Modified", "Mon, 05 Jan 2026 09:00:00 GMT");
            return response;
        });
        harness.Origin.When(HttpMethod.Head, Url).Respond(_ =>
        {
            var response = harness.Response("", "max-age=600", etag);
            response.Content.Headers.ContentLength = contentLength is null ? null : long.Parse(contentLength, System.Globalization.CultureInfo.InvariantCulture);
            if (contentLength is null)
            {
                response.Content.Headers.Remove("Content-Length");
            }

            if (lastModified is not null)
            {
                response.Content.Headers.TryAddWithoutValidation("Last-Modified", lastModified);
            }

            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await HeadAsync(harness);
        harness.Time.Advance(TimeSpan.FromSeconds(60));
        using var after = await harness.GetAsync(Url);

        Assert.Equal(freshens, after.CacheStatus()!.StartsWith("HttpCaching; hit", StringComparison.Ordinal));
        Assert.Equal(freshens ? 1 : 2, harness.Origin.GetMatchCount(get));
        Assert.Equal("body", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task HeadAsync(CachingHarness harness)
    {
        // no-cache sends the HEAD to the origin even while the stored response is fresh.
        using var head = new HttpRequestMessage(HttpMethod.Head, Url);
        head.Headers.TryAddWithoutValidation("Cache-Control", "no-cache");
        (await harness.Client().SendAsync(head, TestContext.Current.CancellationToken)).Dispose();
    }

    [Theory]
    [InlineData("If-None-Match", "\"d1\"", HttpStatusCode.NotModified)]
    [InlineData("If-None-Match", "W/\"d1\"", HttpStatusCode.NotModified)]
    [InlineData("If-None-Match", "\"x\", \"d1\"", HttpStatusCode.NotModified)]
    [InlineData("If-None-Match", "*", HttpStatusCode.NotModified)]
    [InlineData("If-None-Match", "\"other\"", HttpStatusCode.OK)]
    [InlineData("If-Modified-Since", "Mon, 05 Jan 2026 09:00:00 GMT", HttpStatusCode.NotModified)]
    [InlineData("If-Modified-Since", "Sat, 03 Jan 2026 09:00:00 GMT", HttpStatusCode.OK)]
    public async Task Conditional_FreshStoredResponse_AnsweredByTheCache(string header, string value, HttpStatusCode expected)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=600", "\"d1\"");
            response.Content.Headers.LastModified = harness.Time.GetUtcNow().AddDays(-1);
            return response;
        });

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation(header, value));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("\"d1\"", response.Headers.ETag?.ToString());
        if (expected == HttpStatusCode.NotModified)
        {
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.Null(response.Content.Headers.ContentType);
        }
        else
        {
            Assert.Equal("body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Conditional_IfNoneMatchStarAndStoredResponseWithoutETag_AnsweredNotModified()
    {
        // "*" asks whether any current representation exists (RFC 9110 §13.1.2): the stored one does, entity tag or not.
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "*"));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus());
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Conditional_StaleStoredResponse_ForwardedWithTheCallersValidatorsOnly()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var callers = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"mine\"").Respond(_ => harness.Response("new body", "max-age=60", "\"d2\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60", "\"d1\""));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"mine\""));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(callers));
        Assert.Equal("new body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("new body", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Conditional_CacheOwnValidatorsNeverReachTheCallersResponse()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"d1\"").Respond(_ => harness.NotModified("max-age=60", "\"d1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60", "\"d1\""));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(response.RequestMessage!.Headers.Contains("If-None-Match"));
    }

    [Fact]
    public async Task Conditional_OriginAnswers304_PassedToCallerAndRefreshesStoredResponse()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var get = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"d1\"").Respond(_ => harness.NotModified("max-age=600", "\"d1\""));
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=60", "\"d1\""));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"d1\""));
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("HttpCaching; hit; ttl=600", hit.CacheStatus());
        Assert.Equal("body", await hit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("POST", HttpStatusCode.OK, true)]
    [InlineData("PUT", HttpStatusCode.NoContent, true)]
    [InlineData("DELETE", HttpStatusCode.OK, true)]
    [InlineData("PATCH", HttpStatusCode.OK, true)]
    [InlineData("PURGE", HttpStatusCode.OK, true)]
    [InlineData("POST", HttpStatusCode.InternalServerError, false)]
    [InlineData("POST", HttpStatusCode.NotFound, false)]
    [InlineData("OPTIONS", HttpStatusCode.OK, false)]
    public async Task Invalidate_UnsafeMethodWithNonErrorResponse_RemovesStoredResponse(string method, HttpStatusCode status, bool invalidated)
    {
        using var harness = new CachingHarness();
        var get = harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("body", "max-age=600"));
        harness.Origin.When(new HttpMethod(method), Url).Respond(status);

        await harness.GetAsync(Url);
        using (var request = new HttpRequestMessage(new HttpMethod(method), Url))
        {
            (await harness.Client().SendAsync(request, TestContext.Current.CancellationToken)).Dispose();
        }

        await harness.GetAsync(Url);

        Assert.Equal(invalidated ? 2 : 1, harness.Origin.GetMatchCount(get));
    }

    [Fact]
    public async Task Invalidate_LocationAndContentLocation_SameOriginOnly()
    {
        using var harness = new CachingHarness();
        var other = harness.Origin.When(HttpMethod.Get, "https://api.example.test/other").Respond(_ => harness.Response("o", "max-age=600"));
        var listed = harness.Origin.When(HttpMethod.Get, "https://api.example.test/list").Respond(_ => harness.Response("l", "max-age=600"));
        var foreign = harness.Origin.When(HttpMethod.Get, "https://elsewhere.test/x").Respond(_ => harness.Response("f", "max-age=600"));
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent("") };
            response.Headers.Location = new Uri("/other", UriKind.Relative);
            response.Content.Headers.ContentLocation = new Uri("https://api.example.test/list");
            return response;
        });
        harness.Origin.When(HttpMethod.Put, Url).Respond(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("") };
            response.Headers.Location = new Uri("https://elsewhere.test/x");
            return response;
        });

        foreach (var url in new[] { "https://api.example.test/other", "https://api.example.test/list", "https://elsewhere.test/x" })
        {
            await harness.GetAsync(url);
        }

        (await harness.Client().PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken)).Dispose();
        (await harness.Client().PutAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken)).Dispose();
        foreach (var url in new[] { "https://api.example.test/other", "https://api.example.test/list", "https://elsewhere.test/x" })
        {
            await harness.GetAsync(url);
        }

        Assert.Equal(2, harness.Origin.GetMatchCount(other));
        Assert.Equal(2, harness.Origin.GetMatchCount(listed));
        Assert.Equal(1, harness.Origin.GetMatchCount(foreign));
    }

    [Fact]
    public async Task Invalidator_RemovesStoredResponseForClientAndUri()
    {
        using var harness = new CachingHarness(clientNames: ["rss", "embedly"]);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));
        await harness.GetAsync(Url, "rss");
        await harness.GetAsync(Url, "embedly");

        var invalidator = harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>();
        Assert.True(await invalidator.InvalidateAsync("rss", new Uri(Url), TestContext.Current.CancellationToken));
        using var rss = await harness.GetAsync(Url, "rss");
        using var embedly = await harness.GetAsync(Url, "embedly");

        Assert.StartsWith("HttpCaching; fwd=uri-miss", rss.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", embedly.CacheStatus());
        await Assert.ThrowsAsync<ArgumentException>(() => invalidator.InvalidateAsync("unknown", new Uri(Url), TestContext.Current.CancellationToken).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => invalidator.InvalidateAsync("rss", new Uri("/relative", UriKind.Relative), TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task Invalidator_NothingStored_ReturnsFalse()
    {
        using var harness = new CachingHarness(clientNames: ["rss"]);
        var invalidator = harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>();

        Assert.False(await invalidator.InvalidateAsync("rss", new Uri(Url), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Invalidator_SecondCall_ReturnsFalse()
    {
        using var harness = new CachingHarness(clientNames: ["rss"]);
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));
        await harness.GetAsync(Url, "rss");
        var invalidator = harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>();

        Assert.True(await invalidator.InvalidateAsync("rss", new Uri(Url), TestContext.Current.CancellationToken));
        Assert.False(await invalidator.InvalidateAsync("rss", new Uri(Url), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Invalidator_NameInOtherCase_IsAnotherClientAndRemovesNothing()
    {
        // IHttpClientFactory compares client names ordinally: "RSS" is not "rss". It used to return true and remove nothing.
        using var harness = new CachingHarness(clientNames: ["rss"]);
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));
        await harness.GetAsync(Url, "rss");
        var invalidator = harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => invalidator.InvalidateAsync("RSS", new Uri(Url), TestContext.Current.CancellationToken).AsTask());
        using var rss = await harness.GetAsync(Url, "rss");

        Assert.Contains("case-sensitive", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("HttpCaching; hit", rss.CacheStatus());
    }

    [Fact]
    public async Task Invalidator_ClientsDifferingOnlyInCase_AreKeptApart()
    {
        using var harness = new CachingHarness(clientNames: ["rss", "RSS"]);
        harness.Origin.When(Url).Respond(_ => harness.Response("body", "max-age=600"));
        await harness.GetAsync(Url, "rss");
        await harness.GetAsync(Url, "RSS");
        var invalidator = harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>();

        Assert.True(await invalidator.InvalidateAsync("RSS", new Uri(Url), TestContext.Current.CancellationToken));
        using var lower = await harness.GetAsync(Url, "rss");
        using var upper = await harness.GetAsync(Url, "RSS");

        Assert.StartsWith("HttpCaching; hit", lower.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=uri-miss", upper.CacheStatus());
    }

    [Fact]
    public async Task Invalidator_StoreDown_ReturnsFalse()
    {
        using var harness = new CachingHarness(registerStore: false, services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(ChaosDistributedCache.Down()));

        var removed = await harness.Services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(CachingHarness.ClientName, new Uri(Url), TestContext.Current.CancellationToken);

        Assert.False(removed);
    }

    [Fact]
    public async Task Key_UriWithoutCanonicalization_IsCachedNotThrown()
    {
        using var harness = new CachingHarness();
        var raw = new Uri("https://api.example.test/a/../b/%7e?q=%zz", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        harness.Origin.When("https://api.example.test/*").Respond(_ => harness.Response("raw", "max-age=600"));

        using var first = await harness.Client().GetAsync(raw, TestContext.Current.CancellationToken);
        using var second = await harness.Client().GetAsync(raw, TestContext.Current.CancellationToken);

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus());
    }

    [Fact]
    public async Task Key_UriWithoutCanonicalizationWrittenLikeACanonicalOne_NotServedItsResponse()
    {
        // Both written "/files/a/../b": the raw one goes out as written, the other as "/files/b", two resources.
        const string Written = "https://api.example.test/files/a/../b";
        using var harness = new CachingHarness();
        harness.Origin.When("https://api.example.test/*").Respond(request => harness.Response($"resource {request.RequestUri!.PathAndQuery}", "max-age=600"));
        var raw = new Uri(Written, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var normal = new Uri(Written);

        using var rawResponse = await harness.Client().GetAsync(raw, TestContext.Current.CancellationToken);
        using var normalResponse = await harness.Client().GetAsync(normal, TestContext.Current.CancellationToken);

        Assert.Equal("resource /files/a/../b", await rawResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("resource /files/b", await normalResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("s-maxage=60", true)]
    [InlineData("max-age=60", false)]
    public async Task SharedMaxAge_ActsAsProxyRevalidate_NoStaleServing(string cacheControl, bool mustRevalidate)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var calls = 0;
        harness.Origin.When(Url).Respond(_ => ++calls == 1
            ? harness.Response("body", cacheControl)
            : harness.Response("down", status: HttpStatusCode.ServiceUnavailable));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var maxStale = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "max-stale=3600"));
        using var onError = await harness.GetAsync(Url);

        Assert.Equal(mustRevalidate ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, maxStale.StatusCode);
        Assert.Equal(mustRevalidate ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, onError.StatusCode);
    }

    // RFC 9110 §5.6.1: empty list elements are ignored, so the first member of ", 7200" is 7200 (RFC 9111 §5.1), not an
    // invalid empty one that makes the response look brand new.
    [Theory]
    [InlineData("7200,0", 7200)]
    [InlineData("7200, 3600", 7200)]
    [InlineData("600", 600)]
    [InlineData(", 7200", 7200)]
    [InlineData(" ,,7200, 0", 7200)]
    public async Task Age_ListValue_FirstMemberCounts(string age, int expectedAge)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=86400");
            response.Headers.TryAddWithoutValidation("Age", age);
            return response;
        });

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(expectedAge.ToString(System.Globalization.CultureInfo.InvariantCulture), hit.Header("Age"));
    }

    [Fact]
    public async Task NotModified_ContentMd5_NotUpdatedFromThe304()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"d1\"").Respond(_ =>
        {
            var response = harness.NotModified("max-age=60", "\"d1\"");
            response.Content = new ByteArrayContent([]);
            response.Content.Headers.TryAddWithoutValidation("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==");
            return response;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=60", "\"d1\"");
            response.Content.Headers.TryAddWithoutValidation("Content-MD5", "hBotaJrYa9FhFEdFPCLG/A==");
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var revalidated = await harness.GetAsync(Url);

        Assert.Equal("hBotaJrYa9FhFEdFPCLG/A==", revalidated.Header("Content-MD5"));
    }

    [Fact]
    public async Task SetCookie2_IsStoredLikeAnyEndToEndField()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("body", "max-age=600");
            response.Headers.TryAddWithoutValidation("Set-Cookie2", "a=b");
            return response;
        });

        await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("a=b", hit.Header("Set-Cookie2"));
    }

    // RFC 9530 §2: a Content-Digest in a 304 is the digest of that 304's (empty) content. Like Content-MD5, it does not
    // replace the stored 200's, which every later 200 carries over its ten bytes.
    [Fact]
    public async Task NotModified_ContentDigestOfItsEmptyContent_NotUpdatedFromThe304()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        const string wholeDigest = "sha-256=:hRoV0pq4zz5w8u8B7jCAtHhPxpOJpqgQhCB3bXlFrfM=:";
        const string emptyDigest = "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:";
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            var response = harness.NotModified("max-age=60", "\"v1\"");
            response.Headers.TryAddWithoutValidation("Content-Digest", emptyDigest);
            return response;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("0123456789", "max-age=60", "\"v1\"");
            response.Headers.TryAddWithoutValidation("Content-Digest", wholeDigest);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var revalidated = await harness.GetAsync(Url);

        Assert.Equal("0123456789", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(wholeDigest, revalidated.Header("Content-Digest"));
    }
}
