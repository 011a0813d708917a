using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>RFC 9111 §4.1: responses that vary are stored and matched per variant.</summary>
public sealed class VaryTests
{
    private const string Url = "https://api.example.test/oembed?url=x";

    private static CachingHarness LanguageOrigin(out Func<int> calls, string vary = "Accept-Language")
    {
        var harness = new CachingHarness();
        var count = 0;
        harness.Origin.When(Url).Respond(request =>
        {
            count++;
            var language = request.Headers.AcceptLanguage.ToString();
            var response = harness.Response($"body for [{language}]", "max-age=600", $"\"{language}\"");
            response.Headers.TryAddWithoutValidation("Vary", vary);
            return response;
        });
        calls = () => count;
        return harness;
    }

    private static void Language(HttpRequestMessage request, string value) => request.Headers.TryAddWithoutValidation("Accept-Language", value);

    [Fact]
    public async Task Vary_EachVariantStoredAndMatched()
    {
        using var harness = LanguageOrigin(out var calls);

        await harness.GetAsync(Url, configure: r => Language(r, "en"));
        await harness.GetAsync(Url, configure: r => Language(r, "fr"));
        using var en = await harness.GetAsync(Url, configure: r => Language(r, "en"));
        using var fr = await harness.GetAsync(Url, configure: r => Language(r, "fr"));
        using var none = await harness.GetAsync(Url);

        Assert.Equal(3, calls());
        Assert.Equal("body for [en]", await en.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("body for [fr]", await fr.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", en.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", fr.CacheStatus());
        Assert.StartsWith("HttpCaching; fwd=uri-miss", none.CacheStatus());
    }

    [Theory]
    [InlineData("en, fr", "en,fr")]
    [InlineData("en ,  fr", "en, fr")]
    public async Task Vary_NormalisedValues_SameVariant(string first, string second)
    {
        using var harness = LanguageOrigin(out var calls);

        await harness.GetAsync(Url, configure: r => Language(r, first));
        using var hit = await harness.GetAsync(Url, configure: r => Language(r, second));

        Assert.Equal(1, calls());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
    }

    [Fact]
    public async Task Vary_InvalidatedWhileAVariantIsFetched_EarlierVariantsStayUnreachable()
    {
        // en is stored; a request for fr reads the Vary record and goes to the origin; a POST invalidates the URL while
        // it is out. Storing fr must not bring the Vary record (and with it en, now invalidated) back.
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var version = 1;
        harness.Origin.When(HttpMethod.Post, Url).Respond(_ => harness.Response("posted", "no-store"));
        harness.Origin.When(HttpMethod.Get, Url).Respond(async request =>
        {
            var language = request.Headers.AcceptLanguage.ToString();
            var body = $"{language}-v{Volatile.Read(ref version)}";
            if (language == "fr")
            {
                reached.TrySetResult();
                await held.Task;
            }

            var response = harness.Response(body, "max-age=600", $"\"{body}\"");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            return response;
        });
        using (await harness.GetAsync(Url, configure: r => Language(r, "en")))
        {
        }

        var fr = harness.GetAsync(Url, configure: r => Language(r, "fr"));
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        using (var posted = await harness.Client().PostAsync(Url, new StringContent("x"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
        }

        Volatile.Write(ref version, 2);
        held.SetResult();
        using (await fr.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken))
        {
        }

        using var en = await harness.GetAsync(Url, configure: r => Language(r, "en"));
        Assert.Equal("en-v2", await en.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("one line", new[] { "\"acme, corp\"" })]
    [InlineData("two lines", new[] { "\"acme", "corp\"" })]
    public async Task Vary_AQuotedStringWithACommaAndSpace_NotServedToTheValueWithoutTheSpace(string sent, string[] lines)
    {
        _ = sent;
        // A quoted string is opaque (RFC 9110 §5.6.4): "acme, corp" is not "acme,corp", whether it is sent on one line or
        // over two (which go out joined with ", ").
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(request =>
        {
            var response = harness.Response($"for {string.Join("|", request.Headers.GetValues("X-Tenant"))}", "max-age=600");
            response.Headers.Vary.Add("X-Tenant");
            return response;
        });

        using var first = await harness.GetAsync(Url, configure: r =>
        {
            foreach (var line in lines)
            {
                r.Headers.TryAddWithoutValidation("X-Tenant", line);
            }
        });
        using var second = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("X-Tenant", "\"acme,corp\""));

        Assert.Equal("for \"acme,corp\"", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain("hit", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vary_Star_NeverStored()
    {
        using var harness = LanguageOrigin(out var calls, vary: "*");

        await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Equal(2, calls());
        Assert.Contains("detail=vary", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vary_ChangedList_ReplacesOldVariants()
    {
        using var harness = new CachingHarness();
        var vary = "Accept-Language";
        var count = 0;
        harness.Origin.When(Url).Respond(_ =>
        {
            count++;
            var response = harness.Response($"v{count}", "max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", vary);
            return response;
        });

        await harness.GetAsync(Url, configure: r => Language(r, "en"));
        vary = "Accept-Encoding";
        await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));
        using var en = await harness.GetAsync(Url, configure: r => Language(r, "en"));

        Assert.Equal("v2", await en.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task Vary_OnAuthorization_ValueNeverStoredInPlainText()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("per user", "public, max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", "Authorization");
            return response;
        });

        await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer TOPSECRET-TOKEN"));
        using var other = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer someone-else"));
        using var same = await harness.GetAsync(Url, configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer TOPSECRET-TOKEN"));

        Assert.StartsWith("HttpCaching; fwd=uri-miss", other.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", same.CacheStatus());
        foreach (var key in harness.Store.Keys)
        {
            Assert.DoesNotContain("TOPSECRET", key, StringComparison.Ordinal);
            Assert.DoesNotContain("TOPSECRET", System.Text.Encoding.UTF8.GetString(harness.Store.Raw(key)!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Vary_StaleVariantRevalidated_OtherVariantUntouched()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.Zero);
        var conditional = harness.Origin.When(Url).WithHeaders("If-None-Match", "\"en\"").Respond(_ =>
        {
            var response = harness.NotModified("max-age=600", "\"en\"");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            return response;
        });
        harness.Origin.When(Url).Respond(request =>
        {
            var language = request.Headers.AcceptLanguage.ToString();
            var response = harness.Response($"body for [{language}]", "max-age=60", $"\"{language}\"");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            return response;
        });

        await harness.GetAsync(Url, configure: r => Language(r, "en"));
        await harness.GetAsync(Url, configure: r => Language(r, "fr"));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        using var en = await harness.GetAsync(Url, configure: r => Language(r, "en"));
        using var enHit = await harness.GetAsync(Url, configure: r => Language(r, "en"));

        Assert.Equal(1, harness.Origin.GetMatchCount(conditional));
        Assert.Equal("HttpCaching; fwd=stale; fwd-status=304", en.CacheStatus());
        Assert.Equal("body for [en]", await enHit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("HttpCaching; hit", enHit.CacheStatus());
    }

    [Fact]
    public async Task Vary_ConcurrentCallersForOtherVariants_NotServedTheLeadersVariant()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(origin: new LambdaHandler(async (request, _) =>
        {
            await gate.Task;
            var language = request.Headers.AcceptLanguage.ToString();
            var response = self!.Response($"body for [{language}]", "max-age=600");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            return response;
        }));
        var client = harness.Client();
        async Task<HttpResponseMessage> Send(string language)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url);
            Language(request, language);
            return await client.SendAsync(request, TestContext.Current.CancellationToken);
        }

        // Started one after the other on this thread: fr has joined en's origin request when its call returns (see
        // ConcurrentCallers).
        var en = Send("en");
        var fr = Send("fr");
        gate.SetResult();

        using var enResponse = await en;
        using var frResponse = await fr;
        Assert.Equal("body for [en]", await enResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("body for [fr]", await frResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void VaryRecord_RoundTripsAndRejectsDamage()
    {
        var record = Variants.Serialize(["accept-encoding", "accept-language"]);

        Assert.Equal(["accept-encoding", "accept-language"], Variants.TryDeserialize(record)!);
        for (var length = 0; length < record.Length; length++)
        {
            Assert.Null(Variants.TryDeserialize(record[..length]));
        }

        Assert.Null(Variants.TryDeserialize([.. record, 0]));
    }
}
