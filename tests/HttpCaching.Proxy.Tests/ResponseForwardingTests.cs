using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HttpCaching.Proxy.Tests;

/// <summary>What the client receives: status, reason phrase, header field lines and body, as the origin sent them.</summary>
public sealed class ResponseForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MultiValuedHeaders_AreKeptAsSeparateFieldLines()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Append("Set-Cookie", "a=1; Path=/");
            context.Response.Headers.Append("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
            context.Response.Headers.Append("X-Multi", "one");
            context.Response.Headers.Append("X-Multi", "two, three");
            context.Response.Headers["X-Odd-Value"] = "  spaced \"quoted\" ;; ,";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync("/cookies", Ct);

        Assert.Equal(["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"], response.Lines("Set-Cookie"));
        Assert.Equal(["one", "two, three"], response.Lines("X-Multi"));
        Assert.Equal(["spaced \"quoted\" ;; ,"], response.Lines("X-Odd-Value"));
    }

    [Fact]
    public async Task OriginFieldWithAControlCharacter_IsPassedWithASpace_AndEveryHitAfterItIsServed()
    {
        // HttpClient lets a control character other than CR, LF and NUL through; Kestrel refuses to write one. The field
        // goes on with a space in its place (RFC 9110 §5.5), so neither the response nor the hits on it fail.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            await socket.ReceiveAsync(new byte[8192], Ct);
            await socket.SendAsync(Encoding.Latin1.GetBytes(
                "HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nX-Trace: a\u0001b\tc\u007fd\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"), Ct);
        }, Ct);
        await using var proxy = await RunningProxy.StartAsync($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

        using var first = await proxy.Client.GetAsync("/a", Ct);
        using var second = await proxy.Client.GetAsync("/a", Ct);
        await serving.WaitAsync(Ct);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], [first.StatusCode, second.StatusCode]);
        Assert.Equal(["a b\tc d"], first.Lines("X-Trace"));
        Assert.Equal(["a b\tc d"], second.Lines("X-Trace"));
        Assert.Equal("ok", await second.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HopByHopResponseHeaders_AreRemoved()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Connection = "X-Hop";
            context.Response.Headers["X-Hop"] = "for the proxy only";
            context.Response.Headers["Keep-Alive"] = "timeout=5";
            context.Response.Headers["Proxy-Authenticate"] = "Basic realm=\"proxy\"";
            context.Response.Headers["X-End-To-End"] = "kept";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync("/hop", Ct);

        Assert.Equal("kept", response.Header("X-End-To-End"));
        Assert.Empty(response.Lines("X-Hop"));
        Assert.Empty(response.Lines("Keep-Alive"));
        Assert.Empty(response.Lines("Proxy-Authenticate"));
        Assert.DoesNotContain("X-Hop", response.Header("Connection") ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DateAndServer_AreTheOrigins()
    {
        const string date = "Tue, 15 Nov 1994 08:12:31 GMT";
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Date = date;
            context.Response.Headers.Server = "origin/1.0";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync("/date", Ct);

        Assert.Equal([date], response.Lines("Date"));
        Assert.Equal(["origin/1.0"], response.Lines("Server"));
    }

    [Theory]
    [InlineData(404, null)]
    [InlineData(500, null)]
    [InlineData(299, "Mostly Fine")]
    [InlineData(599, "Network Read Timeout")]
    public async Task StatusCodes_AndReasonPhrases_ArePassedBack(int status, string? reason)
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = status;
            if (reason is not null)
            {
                context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reason;
            }

            return context.Response.WriteAsync($"status {status}", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync($"/status/{status}", Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(reason ?? new HttpResponseMessage((HttpStatusCode)status).ReasonPhrase, response.ReasonPhrase);
        Assert.Equal($"status {status}", await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains($"fwd-status={status}", response.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoContent_204_HasNoBody()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Response.Headers["X-Done"] = "yes";
            return Task.CompletedTask;
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.DeleteAsync("/thing", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("yes", response.Header("X-Done"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Empty(response.Lines("Content-Length"));
    }

    [Fact]
    public async Task ResetContent_205WithABodyAndItsLength_IsPassedBackWithoutThem()
    {
        // RFC 9110 §15.3.6 forbids the body; HttpClient reads it anyway. The proxy drops it, and so must drop its length:
        // Kestrel fails a response shorter than its Content-Length, and the caller would get a 500.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            await socket.ReceiveAsync(new byte[8192], Ct);
            await socket.SendAsync(Encoding.Latin1.GetBytes("HTTP/1.1 205 Reset Content\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"), Ct);
        }, Ct);
        await using var proxy = await RunningProxy.StartAsync($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

        var answer = await RawHttp.SendAsync(proxy.BaseAddress, "POST /form HTTP/1.1\r\nHost: cache\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        await serving.WaitAsync(Ct);

        Assert.StartsWith("HTTP/1.1 205 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("hello", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length: 5", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PartialContent_206_ForARangeRequest()
    {
        var alphabet = Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwxyz");
        await using var origin = await KestrelOrigin.StartAsync(app =>
            app.MapGet("/alphabet", () => Results.Bytes(alphabet, "text/plain", enableRangeProcessing: true)));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/alphabet");
        request.Headers.Range = new(2, 5);
        using var response = await proxy.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 2-5/26", response.Header("Content-Range"));
        Assert.Equal("4", response.Header("Content-Length"));
        Assert.Equal("cdef", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("HttpCaching; fwd=bypass; fwd-status=206", response.CacheStatus());
    }

    [Fact]
    public async Task NotModified_304_AnswersTheClientsOwnConditional()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/doc", (HttpContext context) =>
        {
            context.Response.Headers.ETag = "\"v1\"";
            context.Response.Headers.CacheControl = "max-age=60";
            return context.Request.Headers.IfNoneMatch == "\"v1\""
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Text("the document");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/doc");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"");
        using var response = await proxy.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Header("ETag"));
        Assert.Equal("max-age=60", response.Header("Cache-Control"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=304", response.CacheStatus());
    }

    [Fact]
    public async Task Head_GivesTheHeadersAndNoBody()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapMethods("/doc", ["GET", "HEAD"], async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 11;
            if (HttpMethods.IsGet(context.Request.Method))
            {
                await context.Response.WriteAsync("hello world", context.RequestAborted);
            }
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var head = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/doc"), Ct);
        var headBody = await head.Content.ReadAsByteArrayAsync(Ct);

        // The next response on the same connection parses only if the HEAD response carried no body bytes.
        using var get = await proxy.Client.GetAsync("/doc", Ct);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("11", head.Header("Content-Length"));
        Assert.Equal("text/plain", head.Header("Content-Type"));
        Assert.Empty(headBody);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200", head.CacheStatus());
        Assert.Equal("hello world", await get.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Redirect_IsPassedBackNotFollowed()
    {
        var followed = 0;
        await using var origin = await KestrelOrigin.StartAsync(app =>
        {
            app.MapGet("/old", () => Results.Redirect("/new"));
            app.MapGet("/new", () =>
            {
                Interlocked.Increment(ref followed);
                return Results.Text("new");
            });
        });
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var response = await proxy.Client.GetAsync("/old", Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/new", response.Header("Location"));
        Assert.Equal(0, followed);
    }

    [Fact]
    public async Task GzipEncodedResponse_IsPassedBackStillEncoded_FromTheOriginAndFromTheCache()
    {
        var text = string.Concat(Enumerable.Repeat("compressible text ", 500));
        var gzipped = Gzip(text);
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/feed", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(gzipped, "text/plain");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var first = await proxy.Client.GetAsync("/feed", Ct);
        using var second = await proxy.Client.GetAsync("/feed", Ct);

        Assert.Equal(1, calls);
        foreach (var response in new[] { first, second })
        {
            Assert.Equal("gzip", response.Header("Content-Encoding"));
            Assert.Equal(gzipped.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
            Assert.Equal(gzipped, await response.Content.ReadAsByteArrayAsync(Ct));
        }

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }
}
