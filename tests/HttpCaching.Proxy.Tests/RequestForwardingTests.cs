using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HttpCaching.Proxy.Tests;

/// <summary>What the origin receives: method, body, normalised target and header fields.</summary>
public sealed class RequestForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_BodyIsForwardedIntact(bool knownLength)
    {
        var sent = RandomNumberGenerator.GetBytes(300_000);
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapPost("/upload", async (HttpContext context) =>
        {
            using var received = new MemoryStream();
            await context.Request.Body.CopyToAsync(received, context.RequestAborted);
            context.Response.Headers["X-Content-Type"] = context.Request.ContentType;
            context.Response.Headers["X-Content-Length"] = context.Request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(received.ToArray(), context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using HttpContent content = knownLength ? new ByteArrayContent(sent) : new StreamContent(new NonSeekableStream(sent));
        content.Headers.ContentType = new("application/x-test");
        using var response = await proxy.Client.PostAsync("/upload", content, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sent, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("application/x-test", response.Header("X-Content-Type"));
        Assert.Equal(knownLength ? "300000" : "none", response.Header("X-Content-Length"));
        Assert.Equal("HttpCaching; fwd=method; fwd-status=200", response.CacheStatus());
    }

    [Theory]
    [InlineData("/a%2Fb/c?x=1&x=2&y=%20", "/a%2Fb/c?x=1&x=2&y=%20")]
    [InlineData("/a/../b/./%41%7e?q=%zz&r=%2B&s=a+b", "/b/A~?q=%25zz&r=%2B&s=a+b")]
    [InlineData("/a\\b/%2e/c?d=%2e%2e/..", "/a/b/c?d=../..")]
    [InlineData("/caf%C3%A9//double?", "/caf%C3%A9//double?")]
    public async Task RawTarget_Get_OriginReceivesTheNormalisedTargetTheCacheKeysOn(string target, string expected)
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
            context.Response.WriteAsync(context.Features.Get<IHttpRequestFeature>()!.RawTarget, context.RequestAborted)));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync(proxy.RawUrl(target), Ct);

        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task GetOrHeadWithContentLengthZero_HasNoBody_AndIsServedFromTheCache(string method)
    {
        // Some clients send "Content-Length: 0" on every request. An empty body is no body on a GET: it must not keep
        // the response from the cache (a GET with content is never cached) nor spend the route's quota each time.
        await using var origin = await RecordingOrigin.StartAsync("o");
        await using var proxy = await RunningProxy.StartAsync(origin.Authority);
        await RawHttp.SendAsync(proxy.BaseAddress, "GET /feed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        var again = await RawHttp.SendAsync(proxy.BaseAddress, $"{method} /feed HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Contains("HttpCaching; hit", again, StringComparison.Ordinal);
        Assert.Single(origin.Targets);
    }

    [Fact]
    public async Task PostWithContentLengthZero_IsForwardedWithItsEmptyBody()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
            context.Response.WriteAsync($"length={context.Request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}", context.RequestAborted)));
        await using var proxy = await RunningProxy.StartAsync(origin);

        var response = await RawHttp.SendAsync(proxy.BaseAddress, "POST /submit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Contains("length=0", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginWithBasePath_PrefixesTheTarget()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
            context.Response.WriteAsync(context.Features.Get<IHttpRequestFeature>()!.RawTarget, context.RequestAborted)));
        await using var proxy = await RunningProxy.StartAsync(origin.BaseAddress.GetLeftPart(UriPartial.Authority) + "/api/");

        var body = await proxy.Client.GetStringAsync(proxy.RawUrl("/x/y?z=%2F"), Ct);

        Assert.Equal("/api/x/y?z=%2F", body);
    }

    [Fact]
    public async Task AbsoluteFormTarget_ForwardsItsPathAndQueryToTheOrigin()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
            context.Response.WriteAsync($"{context.Request.Host} {context.Features.Get<IHttpRequestFeature>()!.RawTarget}", context.RequestAborted)));
        await using var proxy = await RunningProxy.StartAsync(origin);
        using var forwardProxyClient = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxy.BaseAddress), UseProxy = true });

        var body = await forwardProxyClient.GetStringAsync("http://elsewhere.example/p/q?r=1", Ct);

        Assert.Equal($"{origin.BaseAddress.Authority} /p/q?r=1", body);
    }

    [Fact]
    public async Task RequestHeaders_EndToEndAreForwarded_HopByHopAndConnectionNamedAreRemoved()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray());
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsJsonAsync(headers, context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.TryAddWithoutValidation("X-Custom", "custom value");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer end-to-end");
        request.Headers.TryAddWithoutValidation("Accept-Language", "fr-CH, fr;q=0.9");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.TryAddWithoutValidation("Connection", "X-Secret-Hop");
        request.Headers.TryAddWithoutValidation("X-Secret-Hop", "only for the proxy");
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.TryAddWithoutValidation("Upgrade", "example/1");
        request.Headers.TryAddWithoutValidation("Trailer", "X-Checksum");
        request.Headers.TryAddWithoutValidation("Proxy", "http://attacker.example:8080");
        request.Headers.TryAddWithoutValidation("Proxy_Authorization", "Basic cHJveHk6c2VjcmV0");
        request.Headers.TryAddWithoutValidation("Keep_Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Connection", "X-Other-Hop");
        request.Headers.TryAddWithoutValidation("X_Other_Hop", "only for the proxy, spelled with underscores");
        using var response = await proxy.Client.SendAsync(request, Ct);
        var received = new Dictionary<string, string[]>(
            (await response.Content.ReadFromJsonAsync<Dictionary<string, string[]>>(Ct))!, StringComparer.OrdinalIgnoreCase);

        Assert.Equal(["custom value"], received["X-Custom"]);
        Assert.Equal(["Bearer end-to-end"], received["Authorization"]);
        Assert.Equal(["fr-CH, fr;q=0.9"], received["Accept-Language"]);
        Assert.Equal(["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], received["traceparent"]);
        Assert.Equal([origin.BaseAddress.Authority], received["Host"]);
        foreach (var removed in new[] { "X-Secret-Hop", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE", "Upgrade", "Trailer", "Proxy", "Proxy_Authorization", "Keep_Alive", "X_Other_Hop" })
        {
            Assert.False(received.ContainsKey(removed), $"{removed} reached the origin");
        }

        Assert.DoesNotContain("X-Secret-Hop", string.Join(",", received.GetValueOrDefault("Connection") ?? []), StringComparison.OrdinalIgnoreCase);
        Assert.False(received.ContainsKey("Via"));
        Assert.False(received.ContainsKey("X-Forwarded-For"));
    }

    [Fact]
    public async Task RequestHeaders_NonAsciiBytesPassThroughUnchanged()
    {
        // The origin (Kestrel's defaults) decodes non-ASCII header bytes as UTF-8; re-encoding gives back the wire bytes.
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsync(Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(context.Request.Headers["X-Name"].ToString())), context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        // "café" in UTF-8 is 63 61 66 C3 A9: written as Latin-1 characters, each byte goes on the wire as is.
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.Latin1 }) { BaseAddress = proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/name");
        request.Headers.TryAddWithoutValidation("X-Name", "caf\u00C3\u00A9");
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal("636166C3A9", await response.Content.ReadAsStringAsync(Ct));
    }
}
