using System.Text;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// No secret of the request reaches the store: keys are hashes, and records hold the response only. The request's
/// Authorization, cookies and API keys are never stored, in plain text or otherwise, nor logged: not in a message, a
/// structured value (which a sink such as OpenTelemetry writes on its own) nor an exception.
/// </summary>
public sealed class SecretHygieneTests
{
    /// <summary>The secret the request carries, in its query, its Authorization and its cookie (not a word a stack trace holds).</summary>
    private const string Token = "tok_7Hq2Zx9Vw";

    private const string Url = $"https://api.example.test/v1/things?api_key={Token}&page=1";

    public static TheoryData<string> Modes => new() { "none", "signed", "encrypted" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Request_WithAuthorizationCookieAndApiKey_LeavesNoSecretInTheStoreOrLogs(string mode)
    {
        var configuration = mode switch
        {
            "signed" => IntegrityKeys.Configuration(encrypt: false, IntegrityKeys.A),
            "encrypted" => IntegrityKeys.Configuration(encrypt: true, IntegrityKeys.A),
            _ => [],
        };
        using var harness = new CachingHarness(
            configuration: configuration,
            services: s => s.AddLogging(AllButTheFactorysHeaderRecords));
        var origin = harness.Origin.When(Url)
            .WithHeaders("Authorization", $"Bearer {Token}")
            .WithHeaders("Cookie", $"sid={Token}")
            .Respond(_ => harness.Response("{\"things\":[1,2,3]}", "public, max-age=600"));
        using var stored = await harness.GetAsync(Url, configure: WithSecrets);
        using var hit = await harness.GetAsync(Url, configure: WithSecrets);

        Assert.StartsWith("HttpCaching; fwd=uri-miss; fwd-status=200; stored", stored.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(2, harness.Store.Keys.Count);
        string[] secrets = Secrets;
        foreach (var key in harness.Store.Keys)
        {
            var record = harness.Store.Raw(key)!;
            var text = Encoding.Latin1.GetString(record);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, key, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        var records = harness.Logs.GetSnapshot();
        Assert.NotEmpty(records);
        records.AssertNoneContains(StringComparison.OrdinalIgnoreCase, Secrets);
    }

    /// <summary>
    /// The paths that log exceptions: the store fails on every call, and the origin, once the response is stale,
    /// fails too (the stored response is served stale-if-error). The exceptions, the structured state and the messages
    /// of every record are free of the request's secrets.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Request_WithSecrets_StoreOrOriginFailing_LeavesNoSecretInAnyLogRecord(bool storeDown)
    {
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            registerStore: !storeDown,
            services: s =>
            {
                if (storeDown)
                {
                    s.AddSingleton<IDistributedCache>(ChaosDistributedCache.Down());
                }

                s.AddLogging(AllButTheFactorysHeaderRecords);
            });
        var failing = false;
        harness.Origin.When(Url).Respond(_ => failing
            ? throw new HttpRequestException("Connection refused")
            : harness.Response("{\"things\":[1,2,3]}", "public, max-age=60, stale-if-error=600", "\"v1\""));

        using (await harness.GetAsync(Url, configure: WithSecrets))
        {
        }

        failing = true;
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        try
        {
            using var response = await harness.GetAsync(Url, configure: WithSecrets);
            Assert.False(storeDown, "With the store down nothing was stored, so the origin's failure should reach the caller.");
            Assert.Contains("fwd=stale", response.CacheStatus(), StringComparison.Ordinal);
        }
        catch (HttpRequestException) when (storeDown)
        {
        }

        var records = harness.Logs.GetSnapshot();
        Assert.Contains(records, r => r.Exception is not null);
        records.AssertNoneContains(StringComparison.OrdinalIgnoreCase, Secrets);
    }

    /// <summary>
    /// Every record at every level, but for IHttpClientFactory's own Trace records of the request and response headers
    /// (categories <c>System.Net.Http.HttpClient.*</c>): those redact the values in their message (<c>*</c>) but carry
    /// them unredacted in their structured state, which a structured sink writes. That is Microsoft.Extensions.Http's
    /// logging, not this library's; an application keeps it below Trace in production. Its Information and Debug
    /// records (the request line, with the query redacted) are still checked.
    /// </summary>
    private static void AllButTheFactorysHeaderRecords(ILoggingBuilder logging) =>
        logging.AddFakeLogging().SetMinimumLevel(LogLevel.Trace).AddFilter("System.Net.Http.HttpClient", LogLevel.Debug);

    /// <summary>The request's secrets and the forms they could take: the token, the header values, the query key, the token in base64.</summary>
    private static string[] Secrets => [Token, "Bearer", "sid=", "api_key", Convert.ToBase64String(Encoding.ASCII.GetBytes(Token))];

    private static void WithSecrets(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {Token}");
        request.Headers.TryAddWithoutValidation("Cookie", $"sid={Token}");
    }
}
