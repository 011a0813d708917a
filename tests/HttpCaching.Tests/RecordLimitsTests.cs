using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// What a record cannot hold is not stored: a response beyond the limits the record readers enforce (4,096 header
/// fields per section, 4,096 values per field, 64 Vary fields) is passed on as not stored, instead of being stored
/// and then missed, with a warning, on every request.
/// </summary>
public sealed class RecordLimitsTests
{
    private const string Url = "https://api.example.test/v1/wide";
    private const int RecordLimitsExceededEventId = 20;

    private readonly FakeLogCollector _logs = new();

    [Fact]
    public async Task Get_ResponseWith4097HeaderFields_NotStoredAndNoWarning()
    {
        await AssertNotStoredAsync(response =>
        {
            // Date and Cache-Control, then 4,095 more: 4,097 fields.
            for (var i = 0; i < 4095; i++)
            {
                response.Headers.TryAddWithoutValidation($"X-Field-{i}", "v");
            }
        });
    }

    [Fact]
    public async Task Get_ResponseWith4097LinesOfOneField_NotStoredAndNoWarning()
    {
        await AssertNotStoredAsync(response =>
        {
            for (var i = 0; i < 4097; i++)
            {
                response.Headers.TryAddWithoutValidation("X-Line", $"value {i}");
            }
        });
    }

    [Fact]
    public async Task Get_ResponseWith65VaryFields_NotStoredAndNoWarning()
    {
        await AssertNotStoredAsync(response =>
            response.Headers.TryAddWithoutValidation("Vary", string.Join(", ", Enumerable.Range(0, 65).Select(i => $"X-Vary-{i}"))));
    }

    [Fact]
    public async Task Get_ResponseWithContentHeadersOver4096_NotStoredAndNoWarning()
    {
        await AssertNotStoredAsync(response =>
        {
            // Content-Type is one; 4,096 more make 4,097 content header fields.
            for (var i = 0; i < 4096; i++)
            {
                response.Content.Headers.TryAddWithoutValidation($"X-Content-{i}", "v");
            }
        });
    }

    [Fact]
    public async Task Get_ResponseJustAtTheLimits_IsStoredAndReadBack()
    {
        using var harness = Harness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("wide", "max-age=600");

            // Date, Cache-Control, Vary and X-Line, then 4,092 more: 4,096 fields.
            response.Headers.TryAddWithoutValidation("Vary", string.Join(", ", Enumerable.Range(0, 64).Select(i => $"X-Vary-{i}")));
            for (var i = 0; i < 4096; i++)
            {
                response.Headers.TryAddWithoutValidation("X-Line", $"value {i}");
            }

            for (var i = 0; i < 4092; i++)
            {
                response.Headers.TryAddWithoutValidation($"X-Field-{i}", "v");
            }

            return response;
        });

        using (var first = await harness.GetAsync(Url))
        {
            Assert.Contains("; stored", first.CacheStatus(), StringComparison.Ordinal);
        }

        using var second = await harness.GetAsync(Url);

        Assert.StartsWith("HttpCaching; hit", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Origin.GetMatchCount(origin));
        Assert.Equal(4096, second.Headers.NonValidated["X-Line"].Count);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Get_304ThatWouldPushTheStoredEntryOverTheLimits_ServedButNotWrittenBack()
    {
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            services: s => s.AddLogging(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace)));
        var revalidations = 0;
        harness.Origin.When(Url).WithHeaders("If-None-Match", "\"v1\"").Respond(_ =>
        {
            // A field the stored response does not have: merged, the entry would hold 4,097 fields.
            var notModified = harness.NotModified("max-age=1", "\"v1\"");
            notModified.Headers.TryAddWithoutValidation($"X-New-{++revalidations}", "v");
            return notModified;
        });
        harness.Origin.When(Url).Respond(_ =>
        {
            // Date, Cache-Control and ETag, then 4,093 more: 4,096 fields.
            var response = harness.Response("wide", "max-age=1", "\"v1\"");
            for (var i = 0; i < 4093; i++)
            {
                response.Headers.TryAddWithoutValidation($"X-Field-{i}", "v");
            }

            return response;
        });
        using (await harness.GetAsync(Url))
        {
        }

        var stored = harness.Store.Raw(Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal)));
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        using var revalidated = await harness.GetAsync(Url);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        using var again = await harness.GetAsync(Url);

        Assert.Equal("wide", await revalidated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("wide", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, revalidations);
        Assert.Same(stored, harness.Store.Raw(Assert.Single(harness.Store.Keys, k => k.Contains(":e:", StringComparison.Ordinal))));
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Level >= LogLevel.Warning);
    }

    private async Task AssertNotStoredAsync(Action<HttpResponseMessage> widen)
    {
        using var harness = Harness();
        var origin = harness.Origin.When(Url).Respond(_ =>
        {
            var response = harness.Response("wide", "max-age=600");
            widen(response);
            return response;
        });

        using var first = await harness.GetAsync(Url);
        using var second = await harness.GetAsync(Url);

        foreach (var response in new[] { first, second })
        {
            Assert.StartsWith("HttpCaching; fwd=uri-miss", response.CacheStatus(), StringComparison.Ordinal);
            Assert.EndsWith("; detail=record-limits", response.CacheStatus(), StringComparison.Ordinal);
            Assert.Equal("wide", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(2, harness.Origin.GetMatchCount(origin));
        Assert.Empty(harness.Store.Keys);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Level >= LogLevel.Warning);
        var events = _logs.GetSnapshot().Where(e => e.Id.Id == RecordLimitsExceededEventId).ToArray();
        Assert.Equal(2, events.Length);
        Assert.All(events, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.All(events, e => Assert.DoesNotContain("value ", e.Message, StringComparison.Ordinal));
    }

    private CachingHarness Harness() =>
        new(services: s => s.AddLogging(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace)));
}
