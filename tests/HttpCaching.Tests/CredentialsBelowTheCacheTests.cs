using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// RFC 9111 §3.5 is about the request the origin answered: <c>Authorization</c> or <c>Cookie</c> that a handler below
/// the cache adds (a token handler registered after <c>AddThirdPartyCaching</c>, an authenticating primary handler)
/// counts as much as the caller's own.
/// </summary>
public sealed class CredentialsBelowTheCacheTests
{
    private const string Url = "https://api.example.test/v1/me";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("max-age=600")]
    [InlineData("private=\"X-User\", max-age=600")]
    [InlineData(null)]
    public async Task Get_AuthorizationAddedBelowTheCache_ResponseNotSharedWithAnotherUser(string? cacheControl)
    {
        var user = new AsyncLocal<string?>();
        CachingHarness? self = null;
        var calls = 0;
        using var harness = self = new CachingHarness(
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")),
            origin: new LambdaHandler((request, _) =>
            {
                Interlocked.Increment(ref calls);
                return Task.FromResult(self!.Response("data of " + request.Headers.Authorization, cacheControl));
            }));

        user.Value = "alice";
        using var alice = await harness.GetAsync(Url);
        user.Value = "bob";
        using var bob = await harness.GetAsync(Url);

        Assert.Equal("data of Bearer alice", await alice.Content.ReadAsStringAsync(Ct));
        Assert.Equal("data of Bearer bob", await bob.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, calls);
        Assert.Contains("detail=authorization", alice.CacheStatus(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public, max-age=600")]
    [InlineData("s-maxage=600")]
    public async Task Get_AuthorizationAddedBelowTheCacheToAResponseThatMayBeShared_Stored(string cacheControl)
    {
        var user = new AsyncLocal<string?>();
        using var harness = new CachingHarness(
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("the same for everyone", cacheControl));

        user.Value = "alice";
        (await harness.GetAsync(Url)).Dispose();
        user.Value = "bob";
        using var bob = await harness.GetAsync(Url);

        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.StartsWith("HttpCaching; hit", bob.CacheStatus(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("must-revalidate")]
    [InlineData("s-maxage=0")]
    public async Task Get_AuthorizationAddedBelowTheCache_FreshnessFloorNotApplied(string cacheControl)
    {
        // §3.5 lets a shared cache store these, but only their own (zero) freshness may make them reusable.
        var user = new AsyncLocal<string?>();
        using var harness = new CachingHarness(
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("alice's profile", cacheControl));

        user.Value = "alice";
        using var alice = await harness.GetAsync(Url);
        user.Value = null;
        using var other = await harness.GetAsync(Url);

        Assert.Contains("; stored", alice.CacheStatus(), StringComparison.Ordinal);
        Assert.DoesNotContain("hit", other.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_CookieAddedBelowTheCache_FreshnessFloorNotApplied()
    {
        var user = new AsyncLocal<string?>();
        using var harness = new CachingHarness(
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Cookie")));
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response("alice's page"));

        user.Value = "alice";
        (await harness.GetAsync(Url)).Dispose();
        user.Value = null;
        using var other = await harness.GetAsync(Url);

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.DoesNotContain("hit", other.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revalidate_AuthorizationAddedBelowTheCache_NotModifiedDoesNotRefreshTheSharedResponse()
    {
        var user = new AsyncLocal<string?>();
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")));
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(request =>
        {
            var notModified = harness.NotModified("max-age=600", "\"v1\"");
            if (request.Headers.Authorization is { } credentials)
            {
                notModified.Headers.TryAddWithoutValidation("X-User", credentials.ToString());
            }

            return notModified;
        });
        harness.Origin.When(Url).Respond(_ => harness.Response("public part", "max-age=60", "\"v1\""));

        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        user.Value = "alice";
        (await harness.GetAsync(Url)).Dispose();
        user.Value = null;
        using var anonymous = await harness.GetAsync(Url);

        Assert.False(anonymous.Headers.Contains("X-User"), "a 304 to a request that went out with Authorization refreshed the shared response");
        Assert.DoesNotContain("hit", anonymous.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_AuthorizationAddedBelowTheCache_DoesNotRefreshTheSharedResponse()
    {
        var user = new AsyncLocal<string?>();
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")));
        harness.Origin.When(HttpMethod.Head, Url).Respond(_ =>
        {
            var head = harness.Response(string.Empty, "max-age=600", "\"v1\"");
            head.Content.Headers.ContentLength = "public part".Length;
            head.Headers.TryAddWithoutValidation("X-User", "alice");
            return head;
        });
        harness.Origin.When(HttpMethod.Get, Url).Respond(_ => harness.Response("public part", "max-age=60", "\"v1\""));

        (await harness.GetAsync(Url)).Dispose();
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        user.Value = "alice";
        using (var head = new HttpRequestMessage(HttpMethod.Head, Url))
        {
            (await harness.Client().SendAsync(head, Ct)).Dispose();
        }

        user.Value = null;
        using var anonymous = await harness.GetAsync(Url);

        Assert.False(anonymous.Headers.Contains("X-User"), "a HEAD response to a request that went out with Authorization refreshed the shared response");
    }

    [Fact]
    public async Task Collapsed_FollowerOfARequestGivenAuthorizationBelowTheCache_SendsItsOwn()
    {
        var user = new AsyncLocal<string?>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        var calls = 0;
        using var harness = self = new CachingHarness(
            services: s => s.AddHttpClient(CachingHarness.ClientName).AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization")),
            origin: new LambdaHandler(async (request, _) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await gate.Task;
                }

                return self!.Response("data of " + request.Headers.Authorization, "max-age=600");
            }));

        // Started one after the other on this thread: bob has joined alice's origin request when his call returns.
        user.Value = "alice";
        var alice = harness.GetAsync(Url);
        user.Value = "bob";
        var bob = harness.GetAsync(Url);
        gate.SetResult();
        using var forAlice = await alice;
        using var forBob = await bob;

        Assert.Equal("data of Bearer alice", await forAlice.Content.ReadAsStringAsync(Ct));
        Assert.Equal("data of Bearer bob", await forBob.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_AuthorizationAddedBelowAHandlerThatSendsACopy_ResponseNotSharedWithAnotherUser(bool standardHedging)
    {
        // A handler below the cache that sends a copy of the request (hedging sends a clone per attempt), with a token
        // handler below it: the credentials go out on the copy, which the response names as its request.
        var user = new AsyncLocal<string?>();
        CachingHarness? self = null;
        var calls = 0;
        using var harness = self = new CachingHarness(
            services: s =>
            {
                var client = s.AddHttpClient(CachingHarness.ClientName);
                if (standardHedging)
                {
                    client.AddStandardHedgingHandler();
                }
                else
                {
                    client.AddHttpMessageHandler(() => new CloningHandler());
                }

                client.AddHttpMessageHandler(() => new UserTokenHandler(user, "Authorization"));
            },
            origin: new LambdaHandler((request, _) =>
            {
                Interlocked.Increment(ref calls);
                var response = self!.Response("data of " + request.Headers.Authorization, "max-age=600");
                response.RequestMessage = request;
                return Task.FromResult(response);
            }));

        user.Value = "alice";
        using var alice = await harness.GetAsync(Url);
        user.Value = "bob";
        using var bob = await harness.GetAsync(Url);

        Assert.Equal("data of Bearer alice", await alice.Content.ReadAsStringAsync(Ct));
        Assert.Equal("data of Bearer bob", await bob.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, calls);
    }

    /// <summary>A handler that sends a copy of each request, as hedging sends a clone per attempt.</summary>
    private sealed class CloningHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
            foreach (var (name, values) in request.Headers.NonValidated)
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }

            return base.SendAsync(copy, cancellationToken);
        }
    }

    /// <summary>A handler below the cache that gives each request the current user's credentials, as token handlers do.</summary>
    private sealed class UserTokenHandler(AsyncLocal<string?> user, string header) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (user.Value is { } name)
            {
                request.Headers.TryAddWithoutValidation(header, header == "Cookie" ? "session=" + name : "Bearer " + name);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
