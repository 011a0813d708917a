using System.Text;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// No secret of the request reaches the store: keys are hashes, and records hold the response only. The request's
/// Authorization, cookies and API keys are never stored, in plain text or otherwise.
/// </summary>
public sealed class SecretHygieneTests
{
    private const string Url = "https://api.example.test/v1/things?api_key=SECRET&page=1";

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
        using var logs = new CollectingLoggerProvider();
        using var harness = new CachingHarness(
            configuration: configuration,
            services: s => s.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var origin = harness.Origin.When(Url)
            .WithHeaders("Authorization", "Bearer SECRET")
            .WithHeaders("Cookie", "sid=SECRET")
            .Respond(_ => harness.Response("{\"things\":[1,2,3]}", "public, max-age=600"));
        static void WithSecrets(HttpRequestMessage request)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer SECRET");
            request.Headers.TryAddWithoutValidation("Cookie", "sid=SECRET");
        }

        using var stored = await harness.GetAsync(Url, configure: WithSecrets);
        using var hit = await harness.GetAsync(Url, configure: WithSecrets);

        Assert.StartsWith("HttpCaching; fwd=uri-miss; fwd-status=200; stored", stored.CacheStatus());
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus());
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(2, harness.Store.Keys.Count);
        string[] secrets = ["SECRET", "Bearer", "sid=", "api_key", "U0VDUkVU"];
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

        Assert.NotEmpty(logs.Entries);
        Assert.All(logs.Entries, e => Assert.DoesNotContain("SECRET", e.Message, StringComparison.OrdinalIgnoreCase));
    }
}
