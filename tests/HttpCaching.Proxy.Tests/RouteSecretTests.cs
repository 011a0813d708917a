using System.Net;
using System.Text;
using HttpCaching.Proxy.Tests.Helpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// A route's API key headers and query parameters reach its origin, and nothing else: never the cache key or store,
/// never a log record, never the caller.
/// </summary>
public sealed class RouteSecretTests
{
    private const string HeaderKey = "hdr-5ecret-3f9a1c";
    private const string QueryKey = "qry-5ecret-7b2e4d";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Route(RecordingOrigin origin) =>
    [
        "--Proxy:Routes:embedly:PathPrefix", "/embedly",
        "--Proxy:Routes:embedly:Origin", origin.Authority + "/1/",
        "--Logging:LogLevel:Default", "Trace",
    ];

    /// <summary>The secrets as the environment gives them (Proxy__Routes__embedly__…), the way they are meant to be set.</summary>
    private static Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder> Secrets(RecordingDistributedCache? store = null) => builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Proxy:Routes:embedly:RequestHeaders:X-Api-Key"] = HeaderKey,
            ["Proxy:Routes:embedly:QueryParameters:key"] = QueryKey,
        });
        builder.Services.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (store is not null)
        {
            builder.Services.AddSingleton<IDistributedCache>(store);
        }
    };

    [Fact]
    public async Task Get_RouteHeaderAndQueryParameter_ReachTheOrigin()
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Route(origin), Secrets());

        await proxy.Client.GetStringAsync("/embedly/oembed?url=a", Ct);
        await proxy.Client.GetStringAsync("/embedly/oembed", Ct);

        Assert.Equal([$"/1/oembed?url=a&key={QueryKey}", $"/1/oembed?key={QueryKey}"], origin.Targets);
        Assert.All(origin.Headers, h => Assert.Equal(HeaderKey, h["X-Api-Key"]));
    }

    [Fact]
    public async Task Get_CallersOwnHeaderOrParameterOfThatName_IsReplaced_AndNotPartOfTheKey()
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        origin.ResponseHeaders["Vary"] = "X-Api-Key";
        await using var proxy = await RunningProxy.StartWithArgsAsync(Route(origin), Secrets());

        using var first = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/embedly/oembed?key=attacker&url=a");
        forged.Headers.Add("X-Api-Key", "attacker");
        using var second = await proxy.Client.SendAsync(forged, Ct);

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal([$"/1/oembed?url=a&key={QueryKey}"], origin.Targets);
        Assert.Equal(HeaderKey, Assert.Single(origin.Headers)["X-Api-Key"]);
    }

    [Theory]
    [InlineData("X_Api_Key")]
    [InlineData("x_api_key")]
    [InlineData("X-Api_Key")]
    public async Task Get_CallersHeaderSpelledWithUnderscores_IsDropped_AndTheRouteKeyStillHits(string spelling)
    {
        // Servers that read '_' as '-' (nginx with underscores_in_headers, CGI and WSGI stacks) would take it for the key.
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Route(origin), Secrets());

        using var first = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/embedly/oembed?url=b");
        forged.Headers.TryAddWithoutValidation(spelling, "attacker");
        forged.Headers.TryAddWithoutValidation("X_Other_Field", "kept");
        using var second = await proxy.Client.SendAsync(forged, Ct);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/embedly/oembed?url=a");
        again.Headers.TryAddWithoutValidation(spelling, "attacker");
        using var third = await proxy.Client.SendAsync(again, Ct);

        Assert.StartsWith("HttpCaching; hit", third.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, origin.Headers.Count);
        var received = origin.Headers[1];
        Assert.False(received.ContainsKey(spelling), $"{spelling} reached the origin");
        Assert.Equal(HeaderKey, received["X-Api-Key"]);
        Assert.Equal("kept", received["X_Other_Field"]);
    }

    [Fact]
    public async Task Get_Secrets_AreNeverInTheStoreKeysOrRecords_EvenWhenTheOriginVariesOnTheHeader()
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        origin.ResponseHeaders["Vary"] = "X-Api-Key";
        origin.EchoTarget = false;
        var store = new RecordingDistributedCache(TimeProvider.System);
        await using var proxy = await RunningProxy.StartWithArgsAsync(Route(origin), Secrets(store));

        using var first = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var second = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);

        // The cache never saw the header, so the variant it stored is the one every caller selects.
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Single(origin.Targets);
        Assert.NotEmpty(store.Keys);
        foreach (var key in store.Keys)
        {
            Assert.DoesNotContain(HeaderKey, key, StringComparison.Ordinal);
            Assert.DoesNotContain(QueryKey, key, StringComparison.Ordinal);
            var record = Encoding.Latin1.GetString(store.Raw(key)!);
            Assert.DoesNotContain(HeaderKey, record, StringComparison.Ordinal);
            Assert.DoesNotContain(QueryKey, record, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Get_Secrets_AreNeverReturnedToTheCaller_OnHitsMissesAndErrors()
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        origin.EchoTarget = false;
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            [.. Route(origin),
             "--Proxy:Routes:down:PathPrefix", "/down",
             "--Proxy:Routes:down:Origin", "http://127.0.0.1:1/",
             "--Proxy:Routes:down:RequestHeaders:X-Api-Key", HeaderKey,
             "--Proxy:Routes:down:QueryParameters:key", QueryKey,
             "--Logging:LogLevel:HttpCaching.Proxy.AccessLog", "Information"],
            Secrets());

        using var miss = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var hit = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var failed = await proxy.Client.GetAsync("/down/oembed?url=a", Ct);

        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        foreach (var response in new[] { miss, hit, failed })
        {
            var everything = string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(", ", h.Value)}"))
                + await response.Content.ReadAsStringAsync(Ct);
            Assert.DoesNotContain(HeaderKey, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(QueryKey, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Get_Secrets_AreNeverLogged_OnHitsMissesAndOriginFailures()
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            [.. Route(origin),
             "--Proxy:Routes:down:PathPrefix", "/down",
             "--Proxy:Routes:down:Origin", "http://127.0.0.1:1/",
             "--Proxy:Routes:down:RequestHeaders:X-Api-Key", HeaderKey,
             "--Proxy:Routes:down:QueryParameters:key", QueryKey,
             "--Logging:LogLevel:HttpCaching.Proxy.AccessLog", "Information"],
            Secrets());

        using var miss = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var hit = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var failed = await proxy.Client.GetAsync("/down/oembed?url=a", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var logs = proxy.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Category == HttpCaching.Proxy.Internal.AccessLog.Category);
        Assert.Contains(logs, r => r.Level == LogLevel.Debug && r.Category == HttpCachingDiagnostics.HandlerLoggerCategory);
        logs.AssertNoneContains(StringComparison.Ordinal, HeaderKey, QueryKey);
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("TRACK")]
    public async Task Trace_IsNeverForwarded_SoAnOriginThatEchoesItCannotReturnTheSecrets(string method)
    {
        await using var origin = await RecordingOrigin.StartAsync("embedly");
        await using var proxy = await RunningProxy.StartWithArgsAsync(Route(origin), Secrets());

        using var response = await proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/embedly/oembed?url=a"), Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.Empty(origin.Targets);
    }

    [Theory]
    [InlineData("Location", "{0}/?{1}&key={2}&KEY={2}")]
    [InlineData("Content-Location", "{0}?{1}")]
    [InlineData("Link", "<{0}?{1}&page=2>; rel=\"next\"")]
    public async Task Get_OriginRepeatsTheQueryInAUriField_TheRouteParameterIsNeverReturnedNorStored(string field, string format)
    {
        // A redirect that keeps the query (a trailing slash, http to https), or a Content-Location or Link repeating
        // it: the route's key= is taken out below the cache, so neither the caller nor the store ever holds it.
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = field == "Location" ? StatusCodes.Status301MovedPermanently : StatusCodes.Status200OK;
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers[field] = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, context.Request.Path, context.Request.QueryString.Value![1..], context.Request.Query["key"]);
            return Task.CompletedTask;
        }));
        var store = new RecordingDistributedCache(TimeProvider.System);
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", origin.Url("/1/").ToString()],
            Secrets(store));

        using var first = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var second = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);

        var records = string.Join('\n', store.Keys.Select(k => Encoding.Latin1.GetString(store.Raw(k) ?? [])));
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        foreach (var response in new[] { first, second })
        {
            var value = Assert.Single(response.Headers.NonValidated.TryGetValues(field, out var v) ? v : response.Content.Headers.NonValidated.TryGetValues(field, out var c) ? c : default);
            Assert.DoesNotContain(QueryKey, value, StringComparison.Ordinal);
            Assert.Contains("url=a", value, StringComparison.Ordinal);
            Assert.DoesNotContain("key=", value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(QueryKey, records, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_OriginPutsTheKeyInTheReasonPhrase_TheStatusOwnPhraseIsServedAndStored()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase = "OK for key " + context.Request.Query["key"];
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        var store = new RecordingDistributedCache(TimeProvider.System);
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", origin.Url("/1/").ToString()],
            Secrets(store));

        using var miss = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);
        using var hit = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);

        var records = string.Join('\n', store.Keys.Select(k => Encoding.Latin1.GetString(store.Raw(k) ?? [])));
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("OK", miss.ReasonPhrase);
        Assert.Equal("OK", hit.ReasonPhrase);
        Assert.DoesNotContain(QueryKey, records, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_RouteSetsAStandardHeaderThatIsNoSecret_MatchingResponseFieldsAreKept()
    {
        // Accept: application/json is no credential: the origin's Content-Type: application/json stays.
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{}", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:api:PathPrefix", "/api", "--Proxy:Routes:api:Origin", origin.Url("/").ToString(), "--Proxy:Routes:api:RequestHeaders:Accept", "application/json"]);

        using var response = await proxy.Client.GetAsync("/api/items", Ct);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_OriginRedirectsToOnlyTheRouteParameter_TheLocationStillLeadsAwayFromTheCallersUrl()
    {
        // "Location: ?key=<secret>" stripped to nothing would resolve to the caller's own URL: a redirect to itself.
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = "?key=" + context.Request.Query["key"];
            return Task.CompletedTask;
        }));
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", origin.Url("/1/").ToString()],
            Secrets());

        using var response = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("?", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Get_RouteAuthorizationTokenEchoedWithoutItsScheme_TheFieldIsDropped()
    {
        const string Token = "sk_live_51Hx9Q2e";
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"token {Token} was revoked\"";
            return Task.CompletedTask;
        }));
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:api:PathPrefix", "/api", "--Proxy:Routes:api:Origin", origin.Url("/").ToString(), "--Proxy:Routes:api:RequestHeaders:Authorization", "Bearer " + Token]);

        using var response = await proxy.Client.GetAsync("/api/items", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
    }

    [Fact]
    public async Task Get_OriginEchoesTheApiKeyInAFieldOfItsOwn_TheFieldIsDropped()
    {
        await using var origin = await KestrelOrigin.StartAsync(app => app.Run(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers["X-Debug-Key"] = "used " + context.Request.Headers["X-Api-Key"];
            context.Response.Headers.ContentLanguage = "en, " + context.Request.Query["key"];
            context.Response.Headers["X-Request-Id"] = "r-1";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        await using var proxy = await RunningProxy.StartWithArgsAsync(
            ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", origin.Url("/1/").ToString()],
            Secrets());

        using var response = await proxy.Client.GetAsync("/embedly/oembed?url=a", Ct);

        Assert.False(response.Headers.Contains("X-Debug-Key"));
        Assert.False(response.Content.Headers.Contains("Content-Language"));
        Assert.Equal("r-1", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(Ct));
    }
}
