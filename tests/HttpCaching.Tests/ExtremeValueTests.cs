using System.Net;
using HttpCaching.Tests.Helpers;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// Extreme values never make a request throw: options are bounded at start-up, records beyond their bounds are misses,
/// and values from the origin saturate (RFC 9111 §1.2.2) before any arithmetic.
/// </summary>
public sealed class ExtremeValueTests
{
    private const string Url = "https://api.example.test/v1/extreme";

    [Theory]
    [InlineData("MinimumFreshness", "365.00:00:00")]
    [InlineData("StaleRetention", "365.00:00:00")]
    [InlineData("MaxHeuristicFreshness", "365.00:00:00")]
    [InlineData("StaleIfError", "365.00:00:00")]
    [InlineData("OriginBackoff", "365.00:00:00")]
    [InlineData("StaleWhileRevalidate", "365.00:00:00")]
    [InlineData("NearCacheEntryDuration", "365.00:00:00")]
    [InlineData("StoreTimeout", "01:00:00")]
    [InlineData("NearCacheSizeLimit", "1099511627776")]
    [InlineData("MaxBodySize", "1073741824")]
    public void ValidateOnStart_ClientSettingAtItsBound_Passes(string setting, string value)
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { [$"HttpCaching:Clients:test:{setting}"] = value });

        harness.ValidateOnStart();
    }

    [Theory]
    [InlineData("MinimumFreshness", "365.00:00:00.0010000")]
    [InlineData("MinimumFreshness", "10675199.02:48:05.4775807")]
    [InlineData("StaleRetention", "3000000.00:00:00")]
    [InlineData("MaxHeuristicFreshness", "366.00:00:00")]
    [InlineData("StaleIfError", "366.00:00:00")]
    [InlineData("OriginBackoff", "366.00:00:00")]
    [InlineData("StaleWhileRevalidate", "366.00:00:00")]
    [InlineData("NearCacheEntryDuration", "366.00:00:00")]
    [InlineData("StoreTimeout", "01:00:01")]
    [InlineData("NearCacheSizeLimit", "1099511627777")]
    [InlineData("MaxBodySize", "1073741825")]
    public void ValidateOnStart_ClientSettingAboveItsBound_FailsNamingTheKey(string setting, string value)
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { [$"HttpCaching:Clients:test:{setting}"] = value });

        var exception = Assert.ThrowsAny<Exception>(harness.ValidateOnStart);

        Assert.Contains($"HttpCaching:Clients:test:{setting} must be", AllMessages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_StoreMemorySizeLimitAtItsBound_Passes()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { ["HttpCaching:Store:MemorySizeLimit"] = "1099511627776" });

        harness.ValidateOnStart();
    }

    [Fact]
    public void ValidateOnStart_StoreMemorySizeLimitAboveItsBound_FailsNamingTheKey()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { ["HttpCaching:Store:MemorySizeLimit"] = "1099511627777" });

        var exception = Assert.ThrowsAny<Exception>(harness.ValidateOnStart);

        Assert.Contains("HttpCaching:Store:MemorySizeLimit must be between 1 and 1099511627776", AllMessages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOnStart_MinimumFreshnessMaxValueInCode_FailsNamingTheKey()
    {
        using var harness = new CachingHarness(o => o.MinimumFreshness = TimeSpan.MaxValue);

        var exception = Assert.ThrowsAny<Exception>(harness.ValidateOnStart);

        Assert.Contains("HttpCaching:Clients:test:MinimumFreshness must be between 00:00:00 and 365.00:00:00", AllMessages(exception), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status", int.MaxValue)]
    [InlineData("responseTime", long.MaxValue)]
    [InlineData("responseTime", -1L)]
    [InlineData("age", long.MaxValue)]
    [InlineData("age", 3155378975999999999L + 1)]
    [InlineData("lifetime", long.MaxValue)]
    [InlineData("lifetime", (2147483648L * TimeSpan.TicksPerSecond) + 1)]
    [InlineData("flags", int.MaxValue)]
    [InlineData("flags", -1L)]
    [InlineData("heuristic", 255L)]
    [InlineData("staleWhileRevalidate", long.MaxValue)]
    [InlineData("staleWhileRevalidate", long.MinValue)]
    [InlineData("staleIfError", long.MaxValue)]
    [InlineData("staleIfError", 9223372036854775806L)]
    [InlineData("staleIfError", long.MinValue)]
    [InlineData("retryAfter", long.MaxValue)]
    [InlineData("bodyLength", int.MaxValue)]
    public async Task Get_CraftedEntryRecordWithAnExtremeField_IsAMissServedFromTheOrigin(string field, long value)
    {
        using var harness = new CachingHarness();
        var calls = 0;
        var origin = harness.Origin.When(Url).Respond(_ => harness.Response($"body {++calls}", "max-age=600", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        var entryKey = Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal));
        harness.Store.Put(entryKey, EntryRecordPatcher.With(harness.Store.Raw(entryKey)!, field, value));

        using var response = await harness.GetAsync(Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("HttpCaching; fwd=uri-miss", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("body 2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_HugeDeltaSecondsFromTheOrigin_ServedStoredAndReused()
    {
        using var harness = new CachingHarness();
        harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("huge", "max-age=99999999999999999999, stale-if-error=9223372036854775807, stale-while-revalidate=99999999999999999999, s-maxage=99999999999999999999");
            response.Headers.TryAddWithoutValidation("Age", "99999999999999999999");
            return response;
        });

        using var first = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromDays(365 * 60));
        using var second = await harness.GetAsync(Url);

        Assert.Equal("huge", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("huge", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Get_ExpiresInTheYear9999_ServedStoredAndReused()
    {
        using var harness = new CachingHarness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("forever");
            response.Content.Headers.TryAddWithoutValidation("Expires", "Fri, 31 Dec 9999 23:59:59 GMT");
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        Assert.Contains("; stored", first.CacheStatus(), StringComparison.Ordinal);
        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
    }

    [Fact]
    public async Task Get_OptionsAtTheirBoundsAndHugeDirectives_StaleIfErrorServesWithoutThrowing()
    {
        using var harness = new CachingHarness(o =>
        {
            o.MinimumFreshness = TimeSpan.FromDays(365);
            o.StaleRetention = TimeSpan.FromDays(365);
            o.StaleIfError = TimeSpan.FromDays(365);
            o.StaleWhileRevalidate = TimeSpan.FromDays(365);
            o.OriginBackoff = TimeSpan.FromDays(365);
            o.MaxHeuristicFreshness = TimeSpan.FromDays(365);
        });
        var fail = false;
        harness.Origin.When(Url).Respond(_ =>
        {
            if (fail)
            {
                var error = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
                error.Headers.TryAddWithoutValidation("Retry-After", "99999999999999999999");
                return error;
            }

            return harness.Response("ok", "max-age=1, stale-if-error=9223372036854775807");
        });

        using (await harness.GetAsync(Url))
        {
        }

        harness.Time.Advance(TimeSpan.FromDays(366));
        fail = true;
        using var stale = await harness.GetAsync(Url);
        using var held = await harness.GetAsync(Url);

        Assert.Equal("ok", await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ok", await held.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static string AllMessages(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(AllMessages))
            : exception.Message + (exception.InnerException is { } inner ? " | " + AllMessages(inner) : string.Empty);
}
