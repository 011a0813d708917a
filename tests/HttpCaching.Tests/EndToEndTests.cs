using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Tests;

/// <summary>The handler in a real IHttpClientFactory pipeline with SocketsHttpHandler, against Kestrel on loopback.</summary>
public sealed class EndToEndTests
{
    private static readonly string Feed = "<?xml version=\"1.0\"?><rss><channel>" + string.Concat(Enumerable.Repeat("<item><title>News</title></item>", 1500)) + "</channel></rss>";

    [Fact]
    public async Task RealOrigin_FeedIsCachedThenRevalidatedWith304()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var full = 0;
        var notModified = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/feed.xml", (HttpContext context) =>
        {
            context.Response.Headers.Date = time.GetUtcNow().ToString("r");
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = "\"feed-1\"";
            if (context.Request.Headers.IfNoneMatch == "\"feed-1\"")
            {
                notModified++;
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            full++;
            return Results.Text(Feed, "application/rss+xml", Encoding.UTF8);
        }));

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddHttpClient("rss").AddThirdPartyCaching(o => o.MinimumFreshness = TimeSpan.FromMinutes(5));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("rss");
        var url = origin.Url("/feed.xml?key=abc");

        using var miss = await client.GetAsync(url, TestContext.Current.CancellationToken);
        using var hit = await client.GetAsync(url, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(6));
        using var revalidated = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(1, full);
        Assert.Equal(1, notModified);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", miss.CacheStatus());
        Assert.StartsWith("HttpCaching; hit; ttl=", hit.CacheStatus());
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        foreach (var response in new[] { miss, hit, revalidated })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Feed, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("application/rss+xml", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(Encoding.UTF8.GetByteCount(Feed), response.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task RealOrigin_RedirectedResponseIsNotStoredUnderTheOriginalUri()
    {
        var target = 0;
        await using var origin = await KestrelOrigin.StartAsync(app =>
        {
            app.MapGet("/old", () => Results.Redirect("/new"));
            app.MapGet("/new", (HttpContext context) =>
            {
                target++;
                context.Response.Headers.CacheControl = "max-age=600";
                return Results.Text("new home", "text/plain");
            });
        });

        var services = new ServiceCollection();
        services.AddHttpClient("c").AddThirdPartyCaching();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("c");

        using var first = await client.GetAsync(origin.Url("/old"), TestContext.Current.CancellationToken);
        using var second = await client.GetAsync(origin.Url("/old"), TestContext.Current.CancellationToken);

        Assert.Equal("new home", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, target);
        Assert.Contains("detail=redirected", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealOrigin_ChunkedBodyLargerThanLimit_StreamsThrough()
    {
        var payload = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 199)).ToArray();
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/big", async (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentType = "application/octet-stream";
            for (var offset = 0; offset < payload.Length; offset += 10_000)
            {
                await context.Response.Body.WriteAsync(payload.AsMemory(offset, 10_000));
                await context.Response.Body.FlushAsync();
            }
        }));

        var services = new ServiceCollection();
        services.AddHttpClient("c").AddThirdPartyCaching(o => o.MaxBodySize = 64 * 1024);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("c");

        using var response = await client.GetAsync(origin.Url("/big"), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Contains("detail=too-large", response.CacheStatus(), StringComparison.Ordinal);
    }
}
