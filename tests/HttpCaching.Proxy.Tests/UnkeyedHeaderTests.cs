using System.Net;
using System.Net.Http.Json;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// Request headers that commonly change a response without being part of the cache key are withheld from the origin,
/// unless configured as forwarded, and then each forwarded one is part of the key.
/// </summary>
public sealed class UnkeyedHeaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("X-Forwarded-Host", "evil.example")]
    [InlineData("X-Forwarded-Proto", "http")]
    [InlineData("X-Forwarded-Scheme", "http")]
    [InlineData("X-Forwarded-Prefix", "/evil")]
    [InlineData("X-Forwarded-Uri", "/admin")]
    [InlineData("X-Forwarded-Path", "/admin")]
    [InlineData("X-Original-URL", "/admin")]
    [InlineData("X-Rewrite-URL", "/admin")]
    [InlineData("X-HTTP-Method-Override", "DELETE")]
    [InlineData("Forwarded", "host=evil.example;proto=http")]
    [InlineData("x-forwarded-host", "evil.example")]
    [InlineData("X-Forwarded-Port", "8443")]
    [InlineData("X-Forwarded-Ssl", "on")]
    [InlineData("X-Forwarded-Server", "evil.example")]
    [InlineData("Front-End-Https", "on")]
    [InlineData("X-Original-Host", "evil.example")]
    [InlineData("X-Host", "evil.example")]
    [InlineData("X-HTTP-Method", "DELETE")]
    [InlineData("X-Method-Override", "DELETE")]
    [InlineData("X-Forwarded-For", "203.0.113.66")]
    [InlineData("X-Real-IP", "203.0.113.66")]
    [InlineData("True-Client-IP", "203.0.113.66")]
    [InlineData("X-Client-IP", "203.0.113.66")]
    [InlineData("CF-Connecting-IP", "203.0.113.66")]
    [InlineData("Fastly-Client-IP", "203.0.113.66")]
    [InlineData("X-Cluster-Client-IP", "203.0.113.66")]
    public async Task Get_UnkeyedHeaderByDefault_DoesNotReachTheOrigin(string name, string value)
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray());
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsJsonAsync(headers, context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("X-Custom", "still forwarded");
        using var response = await proxy.Client.SendAsync(request, Ct);
        var received = new Dictionary<string, string[]>(
            (await response.Content.ReadFromJsonAsync<Dictionary<string, string[]>>(Ct))!, StringComparer.OrdinalIgnoreCase);

        Assert.False(received.ContainsKey(name), $"{name} reached the origin");
        Assert.Equal(["still forwarded"], received["X-Custom"]);
    }

    [Theory]
    [InlineData("X_Forwarded_Host", "evil.example")]
    [InlineData("x_forwarded_for", "203.0.113.66")]
    [InlineData("X-Forwarded_Proto", "http")]
    [InlineData("X_HTTP_Method_Override", "DELETE")]
    public async Task Get_UnkeyedHeaderSpelledWithUnderscores_DoesNotReachTheOrigin(string name, string value)
    {
        // Servers that read '_' as '-' (nginx with underscores_in_headers, CGI and WSGI stacks) would act on it.
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray());
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsJsonAsync(headers, context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("X_Custom", "still forwarded");
        using var response = await proxy.Client.SendAsync(request, Ct);
        var received = new Dictionary<string, string[]>(
            (await response.Content.ReadFromJsonAsync<Dictionary<string, string[]>>(Ct))!, StringComparer.OrdinalIgnoreCase);

        Assert.False(received.ContainsKey(name), $"{name} reached the origin");
        Assert.Equal(["still forwarded"], received["X_Custom"]);
    }

    [Fact]
    public async Task Get_ConfiguredForwardedHeaderSpelledWithUnderscores_DoesNotReachTheOrigin_NorPoisonsTheKey()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            // An origin that reads '_' as '-', as nginx with underscores_in_headers or a CGI stack does.
            var host = context.Request.Headers.FirstOrDefault(h => h.Key.Replace('_', '-').Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase)).Value;
            context.Response.Headers.CacheControl = "max-age=600";
            return context.Response.WriteAsync($"host={(host.Count > 0 ? host.ToString() : "none")}", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin, "--Proxy:ForwardedRequestHeaders:0", "X-Forwarded-Host");

        using var attack = new HttpRequestMessage(HttpMethod.Get, "/");
        attack.Headers.TryAddWithoutValidation("X_Forwarded_Host", "evil.example");
        using var attacked = await proxy.Client.SendAsync(attack, Ct);
        using var victim = await proxy.Client.GetAsync("/", Ct);
        using var configured = new HttpRequestMessage(HttpMethod.Get, "/");
        configured.Headers.TryAddWithoutValidation("X-Forwarded-Host", "a.example");
        using var forwarded = await proxy.Client.SendAsync(configured, Ct);

        Assert.Equal("host=none", await attacked.Content.ReadAsStringAsync(Ct));
        Assert.Equal("host=none", await victim.Content.ReadAsStringAsync(Ct));
        Assert.Equal("host=a.example", await forwarded.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("X-Forwarded-For")]
    [InlineData("X-Real-IP")]
    [InlineData("True-Client-IP")]
    public async Task Get_ClaimedClientAddress_AnOriginsGeoBlockForItIsNeverServedToTheNextCaller(string name)
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            var blocked = context.Request.Headers[name].ToString() == "203.0.113.66";
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.StatusCode = blocked ? StatusCodes.Status451UnavailableForLegalReasons : StatusCodes.Status200OK;
            return context.Response.WriteAsync(blocked ? "not in your country" : "the feed", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var attack = new HttpRequestMessage(HttpMethod.Get, "/feed");
        attack.Headers.TryAddWithoutValidation(name, "203.0.113.66");
        using (await proxy.Client.SendAsync(attack, Ct))
        {
        }

        using var victim = await proxy.Client.GetAsync("/feed", Ct);

        Assert.Equal(HttpStatusCode.OK, victim.StatusCode);
        Assert.Equal("the feed", await victim.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Get_ForwardedHostByDefault_IsNeverServedToTheNextCaller()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            // An origin that builds absolute links from X-Forwarded-Host, as many frameworks do behind a proxy.
            Interlocked.Increment(ref calls);
            var host = context.Request.Headers["X-Forwarded-Host"] is { Count: > 0 } forwarded ? forwarded.ToString() : context.Request.Host.Value;
            context.Response.Headers.CacheControl = "max-age=600";
            return Results.Text($"<script src=\"http://{host}/app.js\"></script>", "text/html");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var poisoning = new HttpRequestMessage(HttpMethod.Get, "/");
        poisoning.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        using var attacker = await proxy.Client.SendAsync(poisoning, Ct);
        using var victim = await proxy.Client.GetAsync("/", Ct);

        Assert.DoesNotContain("evil.example", await attacker.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal($"<script src=\"http://{origin.BaseAddress.Authority}/app.js\"></script>", await victim.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", victim.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Get_WithMethodOverrideByDefault_ReachesTheOriginAsAPlainGet()
    {
        var deletes = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/doc", (HttpContext context) =>
        {
            // An origin that honours the override on any method.
            context.Response.Headers.CacheControl = "max-age=600";
            if (context.Request.Headers["X-HTTP-Method-Override"] == "DELETE")
            {
                Interlocked.Increment(ref deletes);
                return Results.Text("deleted");
            }

            return Results.Text("the document");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin);

        using var overridden = new HttpRequestMessage(HttpMethod.Get, "/doc");
        overridden.Headers.TryAddWithoutValidation("X-HTTP-Method-Override", "DELETE");
        using var first = await proxy.Client.SendAsync(overridden, Ct);
        using var next = await proxy.Client.GetAsync("/doc", Ct);

        Assert.Equal(0, deletes);
        Assert.Equal("the document", await first.Content.ReadAsStringAsync(Ct));
        Assert.Equal("the document", await next.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Get_ConfiguredForwardedHeader_EachValueAndAbsenceGetTheirOwnResponse()
    {
        var calls = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            var host = context.Request.Headers["X-Forwarded-Host"] is { Count: > 0 } h ? h.ToString() : "none";
            var proto = context.Request.Headers["X-Forwarded-Proto"] is { Count: > 0 } p ? p.ToString() : "none";
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.Vary = "Accept-Encoding";
            return Results.Text($"host={host} proto={proto}");
        }));
        await using var proxy = await RunningProxy.StartAsync(origin, "--Proxy:ForwardedRequestHeaders:0", "X-Forwarded-Host");

        string?[] values = [null, "a", "b", null, "a", "b"];
        for (var i = 0; i < values.Length; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            if (values[i] is { } value)
            {
                request.Headers.TryAddWithoutValidation("X-Forwarded-Host", value);
            }

            // Only the configured header is forwarded; the others are still withheld.
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
            using var response = await proxy.Client.SendAsync(request, Ct);

            Assert.Equal($"host={values[i] ?? "none"} proto=none", await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(i >= 3, response.CacheStatus().StartsWith("HttpCaching; hit", StringComparison.Ordinal));
            Assert.Equal(["Accept-Encoding", "X-Forwarded-Host"], response.Lines("Vary"));
        }

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Get_ConfiguredForwardedHeader_StaysPartOfTheKeyAfterA304()
    {
        var revalidations = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            var host = context.Request.Headers["X-Forwarded-Host"].ToString();
            context.Response.Headers.CacheControl = "max-age=0";
            context.Response.Headers.ETag = $"\"{host}\"";
            context.Response.Headers.Vary = "Accept-Encoding";
            if (context.Request.Headers.IfNoneMatch == $"\"{host}\"")
            {
                Interlocked.Increment(ref revalidations);
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Text($"host={host}");
        }));
        await using var proxy = await RunningProxy.StartAsync(
            origin, "--Proxy:ForwardedRequestHeaders:0", "X-Forwarded-Host", "--HttpCaching:Defaults:MinimumFreshness", "00:00:00");

        using var first = await SendAsync(proxy, "a");
        using var revalidated = await SendAsync(proxy, "a");
        using var other = await SendAsync(proxy, "b");

        Assert.Equal(1, revalidations);
        Assert.Contains("fwd-status=304", revalidated.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("host=a", await revalidated.Content.ReadAsStringAsync(Ct));
        Assert.Equal(["Accept-Encoding", "X-Forwarded-Host"], revalidated.Lines("Vary"));
        Assert.Equal("host=b", await other.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Accept-Encoding")]
    public async Task Get_ConfiguredForwardedHeaderAnd304_KeepsTheRefreshedResponse(string? notModifiedVary)
    {
        // The origin's 304 leaves Vary out (the stored one stays as it is, RFC 9111 §3.2), or repeats the 200's. Either
        // way the refreshed response still varies on the forwarded field, as it was stored: no change of Vary.
        var full = 0;
        await using var origin = await KestrelOrigin.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            var host = context.Request.Headers["X-Forwarded-Host"].ToString();
            context.Response.Headers.ETag = $"\"{host}\"";
            if (context.Request.Headers.IfNoneMatch == $"\"{host}\"")
            {
                context.Response.Headers.CacheControl = "max-age=600";
                if (notModifiedVary is not null)
                {
                    context.Response.Headers.Vary = notModifiedVary;
                }

                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            Interlocked.Increment(ref full);
            context.Response.Headers.CacheControl = "max-age=0";
            context.Response.Headers.Vary = "Accept-Encoding";
            return Results.Text($"host={host}");
        }));
        await using var proxy = await RunningProxy.StartAsync(
            origin, "--Proxy:ForwardedRequestHeaders:0", "X-Forwarded-Host", "--HttpCaching:Defaults:MinimumFreshness", "00:00:00");

        using var first = await SendAsync(proxy, "a");
        using var revalidated = await SendAsync(proxy, "a");
        using var third = await SendAsync(proxy, "a");

        Assert.Contains("fwd-status=304", revalidated.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("host=a", await third.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("HttpCaching; hit", third.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, full);
    }

    private static async Task<HttpResponseMessage> SendAsync(RunningProxy proxy, string forwardedHost)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", forwardedHost);
        return await proxy.Client.SendAsync(request, Ct);
    }
}
