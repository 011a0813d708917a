using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>A failed background revalidation (stale-while-revalidate) is logged, and leaves the entry as it was.</summary>
public sealed class BackgroundRevalidationLogTests
{
    private const string Url = "https://feeds.example.test/swr.rss";

    [Fact]
    public async Task RunInBackground_FetchFails_ReturnedTaskCarriesTheFailure()
    {
        var coalescer = new RequestCoalescer();

        var background = coalescer.RunInBackground("key", async _ =>
        {
            await Task.Yield();
            throw new HttpRequestException("Connection reset");
        }, Timeout.InfiniteTimeSpan);
        await background.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        Assert.True(background.IsFaulted, $"status {background.Status}");
        Assert.IsType<HttpRequestException>(background.Exception?.InnerException);
    }

    [Fact(Timeout = 10_000)]
    public async Task BackgroundRequestThrows_WarningLogged()
    {
        var failing = false;
        CachingHarness? self = null;
        using var harness = self = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(1);
            },
            services: s => s.AddLogging(b => b.AddFakeLogging()),
            origin: new LambdaHandler(async (_, _) =>
            {
                if (!failing)
                {
                    return self!.Response("<rss>v1</rss>", "max-age=60", "\"v1\"");
                }

                await Task.Yield();
                throw new HttpRequestException("Connection reset");
            }));
        using (await harness.GetAsync(Url))
        {
        }

        failing = true;
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (await harness.GetAsync(Url))
        {
        }

        // Written on the background path, after the response above was returned.
        await harness.Logs.WaitForAsync(ClientCache.Log.BackgroundRevalidationFailedId, cancellationToken: TestContext.Current.CancellationToken);
        var warning = Assert.Single(harness.Logs.WithId(ClientCache.Log.BackgroundRevalidationFailedId));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.IsType<HttpRequestException>(warning.Exception);
    }

    [Fact(Timeout = 10_000)]
    public async Task BackgroundRequestGetsError_WarningLoggedWithStatus()
    {
        using var harness = new CachingHarness(
            o =>
            {
                o.MinimumFreshness = TimeSpan.Zero;
                o.StaleWhileRevalidate = TimeSpan.FromMinutes(1);
            },
            services: s => s.AddLogging(b => b.AddFakeLogging()));
        var failing = false;
        harness.Origin.When(Url).Respond(_ => failing
            ? harness.Response("down", status: System.Net.HttpStatusCode.BadGateway)
            : harness.Response("<rss>v1</rss>", "max-age=60", "\"v1\""));
        using (await harness.GetAsync(Url))
        {
        }

        failing = true;
        harness.Time.Advance(TimeSpan.FromSeconds(90));
        using (await harness.GetAsync(Url))
        {
        }

        await harness.Logs.WaitForAsync(ClientCache.Log.BackgroundRevalidationRefusedId, cancellationToken: TestContext.Current.CancellationToken);
        var warning = Assert.Single(harness.Logs.WithId(ClientCache.Log.BackgroundRevalidationRefusedId));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("502", warning.Message, StringComparison.Ordinal);
    }
}
