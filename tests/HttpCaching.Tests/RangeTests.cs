using System.Net;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>Range requests (RFC 9110 §14) answered from a stored complete response.</summary>
public sealed class RangeTests
{
    private const string Url = "https://api.example.test/feed.xml";
    private const string Body = "01234567890";

    [Theory]
    [InlineData("bytes=0-1", "01", "bytes 0-1/11")]
    [InlineData("bytes=5-", "567890", "bytes 5-10/11")]
    [InlineData("bytes=-5", "67890", "bytes 6-10/11")]
    [InlineData("bytes=8-100", "890", "bytes 8-10/11")]
    public async Task Get_RangeOfAStoredResponse_206FromTheCache(string range, string expected, string contentRange)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var partial = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", range));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(expected, await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(contentRange, partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(expected.Length, partial.Content.Headers.ContentLength);
        Assert.Equal("application/xml", partial.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"v1\"", partial.Headers.ETag?.Tag);
        Assert.Equal("1", partial.Header("A"));
        Assert.StartsWith("HttpCaching; hit", partial.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_RangeAfterARangeRequest_FullResponseStillWhole()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using (await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1")))
        {
        }

        using var full = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(Body, await full.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Null(full.Content.Headers.ContentRange);
    }

    [Theory]
    [InlineData("bytes=11-")]
    [InlineData("bytes=-0")]
    public async Task Get_RangePastTheEnd_416NamingTheLengthWithoutTheStoredFields(string range)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", range));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */11", response.Content.Headers.ContentRange?.ToString());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Null(response.Headers.CacheControl);
        Assert.Null(response.Header("A"));
    }

    [Theory]
    [InlineData("\"v1\"", HttpStatusCode.PartialContent)]
    [InlineData("\"v2\"", HttpStatusCode.OK)]
    [InlineData("W/\"v1\"", HttpStatusCode.OK)]
    [InlineData("Mon, 05 Jan 2026 08:00:00 GMT", HttpStatusCode.PartialContent)]
    [InlineData("Mon, 05 Jan 2026 07:00:00 GMT", HttpStatusCode.OK)]
    [InlineData("not a date", HttpStatusCode.OK)]
    public async Task Get_IfRange_RangeOnlyWhenTheValidatorMatchesStrongly(string ifRange, HttpStatusCode expected)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
            r.Headers.TryAddWithoutValidation("If-Range", ifRange);
        });

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? Body : "01", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_IfRangeDateOfAWeakLastModified_FullResponse()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ =>
        {
            // Last-Modified equal to Date is a weak validator (RFC 9110 §8.8.2.2).
            var response = Stored(harness);
            response.Content.Headers.LastModified = response.Headers.Date;
            return response;
        });

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
            r.Headers.TryAddWithoutValidation("If-Range", harness.Time.GetUtcNow().ToString("r"));
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_RangeWithNothingStored_ForwardedAsIsAndNothingStored()
    {
        using var harness = new CachingHarness();
        var partial = harness.Origin.When(Url).WithHeaders("Range", "bytes=0-1").Respond(_ =>
        {
            var response = harness.Response("01", "max-age=600", "\"v1\"", HttpStatusCode.PartialContent);
            response.Content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-1/11");
            return response;
        });
        var full = harness.Origin.When(Url).Respond(_ => Stored(harness));

        using var first = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1"));
        using var second = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Equal("bytes 0-1/11", first.Content.Headers.ContentRange?.ToString());
        Assert.Equal("HttpCaching; fwd=bypass; fwd-status=206", first.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(partial));
        Assert.Equal(1, harness.Origin.GetMatchCount(full));
        Assert.Equal(Body, await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_RangeOfAStaleResponse_ForwardedAsIs()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var partial = harness.Origin.When(Url).WithHeaders("Range", "bytes=0-1").Respond(_ => harness.Response("01", "max-age=60", "\"v1\"", HttpStatusCode.PartialContent));
        var full = harness.Origin.When(Url).Respond(_ => Stored(harness, maxAge: 60));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(1, harness.Origin.GetMatchCount(partial));
        Assert.Equal(1, harness.Origin.GetMatchCount(full));
    }

    [Fact]
    public async Task Get_RangeWithinStaleWhileRevalidate_206AndTheRevalidationAsksForTheWholeResponse()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.Zero;
            o.StaleWhileRevalidate = TimeSpan.FromMinutes(5);
        });
        var revalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ranged = harness.Origin.When(Url).With(r => r.Headers.Contains("Range") || r.Headers.Contains("If-Range")).Respond(_ =>
        {
            revalidated.TrySetResult();
            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        });
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            revalidated.TrySetResult();
            return harness.NotModified("max-age=60", "\"v1\"");
        });
        var full = harness.Origin.When(Url).Respond(_ => Stored(harness, maxAge: 60));

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
            r.Headers.TryAddWithoutValidation("If-Range", "\"v1\"");
        });
        await revalidated.Task.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("01", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, harness.Origin.GetMatchCount(ranged));
        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
    }

    [Fact]
    public async Task Head_WithRange_RangeIgnored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var request = new HttpRequestMessage(HttpMethod.Head, Url);
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
        using var response = await harness.Client().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(11, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Get_RangeOfAStoredNotFound_TheStoredResponseWhole()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("missing", "max-age=600", status: HttpStatusCode.NotFound));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1"));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("missing", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("bytes=-5")]
    [InlineData("bytes=0-")]
    public async Task Get_RangeOfAStoredEmptyBody_TheEmptyResponseWhole(string range)
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response(string.Empty, "max-age=600", "\"empty\""));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", range));

        // RFC 9110 §14.1.1 makes a suffix range of an empty representation satisfiable, and a 206 cannot carry no bytes.
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentRange);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_RangeAndMatchingIfNoneMatch_304FirstAsRfc9110Orders()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
            r.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"");
        });

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task Get_IfRangeWithoutRange_Ignored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ => Stored(harness));

        await harness.GetAsync(Url);
        using var response = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("If-Range", "\"v2\""));

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("HttpCaching; hit", response.CacheStatus(), StringComparison.Ordinal);
    }

    /// <summary>A complete 200 of 11 bytes, strong ETag, Last-Modified an hour before Date, and a field of its own.</summary>
    private static HttpResponseMessage Stored(CachingHarness harness, int maxAge = 600)
    {
        var response = harness.Response(Body, $"max-age={maxAge}", "\"v1\"", mediaType: "application/xml");
        response.Content.Headers.LastModified = harness.Time.GetUtcNow().AddHours(-1);
        response.Headers.TryAddWithoutValidation("A", "1");
        return response;
    }

    // RFC 9530 §2: Content-Digest is computed over the message's content, which for a 206 is the part sent (its own
    // example is a 206), and Content-MD5 likewise (RFC 1864): the stored 200's digests of the whole body are left out of
    // a part served from it, or a client that checks them refuses the part.
    [Fact]
    public async Task Range_StoredResponseWithContentDigests_The206CarriesNotTheWholeBodysDigests()
    {
        using var harness = new CachingHarness();
        const string wholeDigest = "sha-256=:hRoV0pq4zz5w8u8B7jCAtHhPxpOJpqgQhCB3bXlFrfM=:";
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response(Body, "max-age=600", "\"v1\"");
            response.Headers.TryAddWithoutValidation("Content-Digest", wholeDigest);
            response.Content.Headers.TryAddWithoutValidation("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw==");
            return response;
        });

        await harness.GetAsync(Url);
        using var partial = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1"));

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("01", await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.NotEqual(wholeDigest, partial.Header("Content-Digest"));
        Assert.NotEqual("eB5eJF1ptWaXm4bijSPyxw==", partial.Header("Content-MD5"));
    }

    // A 304 selected only by weak comparison (its ETag is weak: RFC 9111 §4.3.4) stands for a representation that is
    // equivalent, not byte-identical, whatever the stored tag: its Last-Modified does not replace the stored bytes' own,
    // or it would count as a strong validator of them for If-Range (RFC 9110 §13.1.5, §8.8.2.2), and a client holding
    // the first bytes of the newer representation would get the rest from the stored bytes, a spliced body.
    [Theory]
    [InlineData("\"v1\"")]
    [InlineData("W/\"v1\"")]
    public async Task IfRange_DateFromA304ThatMatchedOnlyWeakly_ServesTheWholeBody(string storedTag)
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var created = harness.Time.GetUtcNow();
        DateTimeOffset? newer = null;
        harness.Origin.When(Url).WithHeaders("If-None-Match", storedTag).Respond(_ =>
        {
            var response = harness.NotModified("max-age=600", "W/\"v1\"");
            newer = harness.Time.GetUtcNow().AddSeconds(-10);
            response.Content = new ByteArrayContent([]);
            response.Content.Headers.LastModified = newer;
            return response;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response(Body, "max-age=60", storedTag);
            response.Content.Headers.LastModified = created.AddHours(-1);
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using (var revalidated = await harness.GetAsync(Url))
        {
            Assert.Contains("fwd-status=304", revalidated.CacheStatus(), StringComparison.Ordinal);
        }

        harness.Time.Advance(TimeSpan.FromSeconds(5));
        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=5-");
            r.Headers.TryAddWithoutValidation("If-Range", newer!.Value.ToString("r"));
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
    // RFC 9110 §8.8.2.2: a Last-Modified is strong for an intermediate cache only when the entry's Date, the time its
    // bytes were sent, is at least a second after it. A 304 to If-Modified-Since proves no byte identity (another
    // version modified in the same second answers it too), so its later Date must not make the stored bytes' weak
    // Last-Modified strong: a client holding the first bytes of that other version would get the rest from these.
    [Fact]
    public async Task IfRange_WeakLastModifiedRefreshedByA304_ServesTheWholeBody()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var created = harness.Time.GetUtcNow();
        harness.Origin.When(Url).WithHeaders("If-Modified-Since", created.ToString("r")).Respond(_ => harness.NotModified("max-age=600"));
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response(Body, "max-age=60");
            response.Content.Headers.LastModified = created;
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using (var revalidated = await harness.GetAsync(Url))
        {
            Assert.Contains("fwd-status=304", revalidated.CacheStatus(), StringComparison.Ordinal);
        }

        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=5-");
            r.Headers.TryAddWithoutValidation("If-Range", created.ToString("r"));
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Body, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
    [Fact]
    public async Task IfRange_WeakLastModifiedRefreshedByA304WithTheStrongETag_ServesTheRange()
    {
        // The 304 names the stored bytes by their strong tag: they are the current ones at its Date, a second and more
        // after Last-Modified, so the date now validates them (RFC 9110 §8.8.2.2).
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var created = harness.Time.GetUtcNow();
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"b1\"").Respond(_ => harness.NotModified("max-age=600", "\"b1\""));
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response(Body, "max-age=60", "\"b1\"");
            response.Content.Headers.LastModified = created;
            return response;
        });

        await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        (await harness.GetAsync(Url)).Dispose();

        using var response = await harness.GetAsync(Url, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=5-");
            r.Headers.TryAddWithoutValidation("If-Range", created.ToString("r"));
        });

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Body[5..], await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
