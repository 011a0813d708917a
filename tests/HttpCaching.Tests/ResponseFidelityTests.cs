using System.Net;
using System.Net.Http.Headers;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>What is served from the cache is what the origin sent, minus what must not be replayed.</summary>
public sealed class ResponseFidelityTests
{
    private const string Url = "https://api.example.test/items/1";

    [Fact]
    public async Task Hit_ServesStatusHeadersContentHeadersAndBytesAsReceived()
    {
        using var harness = new CachingHarness();
        var body = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();
        var lastModified = harness.Time.GetUtcNow().AddDays(-2);
        var expires = harness.Time.GetUtcNow().AddHours(3);
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.NonAuthoritativeInformation)
            {
                ReasonPhrase = "Borrowed",
                Content = new ByteArrayContent(body),
            };
            response.Headers.Date = harness.Time.GetUtcNow();
            response.Headers.ETag = new EntityTagHeaderValue("\"abc\"");
            response.Headers.TryAddWithoutValidation("Cache-Control", "public, max-age=600");
            response.Headers.TryAddWithoutValidation("X-Multi", ["one", "two"]);
            response.Headers.TryAddWithoutValidation("Link", "<https://a.test/>; rel=\"next\"");
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            response.Content.Headers.LastModified = lastModified;
            response.Content.Headers.Expires = expires;
            response.Content.Headers.ContentLanguage.Add("en");
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(HttpStatusCode.NonAuthoritativeInformation, hit.StatusCode);
        Assert.Equal("Borrowed", hit.ReasonPhrase);
        Assert.Equal(body, await hit.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(body, await first.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(body.Length, hit.Content.Headers.ContentLength);
        Assert.Equal("\"abc\"", hit.Headers.ETag?.ToString());
        Assert.Equal(["one", "two"], hit.Headers.GetValues("X-Multi"));
        Assert.Equal("<https://a.test/>; rel=\"next\"", hit.Header("Link"));
        Assert.Equal("application/octet-stream", hit.Content.Headers.ContentType?.MediaType);
        Assert.Equal(lastModified, hit.Content.Headers.LastModified);
        Assert.Equal(expires, hit.Content.Headers.Expires);
        Assert.Equal(["en"], hit.Content.Headers.ContentLanguage);
        Assert.Equal(harness.Time.GetUtcNow(), hit.Headers.Date);
        Assert.Same(hit.RequestMessage, hit.RequestMessage);
        Assert.Equal(new Uri(Url), hit.RequestMessage?.RequestUri);
    }

    [Fact]
    public async Task Store_HopByHopAndSetCookie_AreNotReplayed()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("data", "max-age=600");
            response.Headers.TryAddWithoutValidation("Set-Cookie", "session=secret");
            response.Headers.TryAddWithoutValidation("Connection", "X-Hop");
            response.Headers.TryAddWithoutValidation("X-Hop", "1");
            response.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
            response.Headers.TryAddWithoutValidation("Proxy-Authenticate", "Basic");
            response.Headers.TryAddWithoutValidation("X-End-To-End", "kept");
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal("session=secret", first.Header("Set-Cookie"));
        Assert.Null(hit.Header("Set-Cookie"));
        Assert.Null(hit.Header("X-Hop"));
        Assert.Null(hit.Header("Keep-Alive"));
        Assert.Null(hit.Header("Connection"));
        Assert.Null(hit.Header("Proxy-Authenticate"));
        Assert.Equal("kept", hit.Header("X-End-To-End"));
        foreach (var record in harness.Store.Keys.Select(harness.Store.Raw))
        {
            Assert.DoesNotContain("session=secret", System.Text.Encoding.UTF8.GetString(record!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Hit_EachResponseIsIndependent()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ => harness.Response("independent", "max-age=600"));
        await harness.GetAsync(Url);

        var client = harness.Client();
        var a = await client.GetAsync(Url, TestContext.Current.CancellationToken);
        var b = await client.GetAsync(Url, TestContext.Current.CancellationToken);
        var streamA = await a.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        Assert.Equal((byte)'i', (byte)streamA.ReadByte());
        a.Dispose();
        Assert.Throws<NotSupportedException>(() => b.Content.ReadAsStream(TestContext.Current.CancellationToken).WriteByte(1));
        b.Headers.Add("X-Mutated", "1");
        b.Dispose();
        using var c = await client.GetAsync(Url, TestContext.Current.CancellationToken);

        Assert.Equal("independent", await c.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(c.Headers.Contains("X-Mutated"));
    }

    [Fact]
    public async Task Store_DeclaredLengthAboveMaxBodySize_PassedThroughUntouched()
    {
        using var harness = new CachingHarness(o => o.MaxBodySize = 1000);
        var body = new byte[1001];
        Random.Shared.NextBytes(body);
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("", "max-age=600");
            response.Content = new ByteArrayContent(body);
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Equal(body, await second.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; detail=too-large", second.CacheStatus());
        Assert.Equal(0, harness.Store.SetCount());
    }

    [Fact]
    public async Task Store_UnknownLengthAboveMaxBodySize_StreamedBackWithoutStoring()
    {
        using var harness = new CachingHarness(o => o.MaxBodySize = 10_000);
        var body = Enumerable.Range(0, 50_000).Select(i => (byte)(i % 251)).ToArray();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("", "max-age=600");
            response.Content = new StreamContent(new NonSeekableStream(body));
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return response;
        });

        using var response = await harness.Client().GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("detail=too-large", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(0, harness.Store.SetCount());
    }

    [Fact]
    public async Task Store_UnknownLengthWithinMaxBodySize_Stored()
    {
        using var harness = new CachingHarness(o => o.MaxBodySize = 10_000);
        var body = Enumerable.Range(0, 9_999).Select(i => (byte)(i % 13)).ToArray();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("", "max-age=600");
            response.Content = new StreamContent(new NonSeekableStream(body));
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var hit = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(body, await first.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(body, await hit.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(body.Length, hit.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Store_RedirectFollowedBelowTheCache_NotStored()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(request =>
        {
            // SocketsHttpHandler's redirect handling rewrites the request's URI and sends it again.
            request.RequestUri = new Uri("https://elsewhere.example.test/items/1");
            return harness.Response("moved content", "max-age=600");
        });

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Contains("detail=redirected", second.CacheStatus(), StringComparison.Ordinal);
    }
}
