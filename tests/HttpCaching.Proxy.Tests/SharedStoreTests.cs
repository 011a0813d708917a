using System.Net;
using HttpCaching.Proxy.Tests.Helpers;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// Two proxy processes over one shared store: a response stored through one is a hit through the other. The store is
/// chosen by Proxy:Store:Provider, with the connection string from the environment (Proxy__Store__ConnectionString).
/// A purge through one is seen by the other, whose near cache holds the entry record for an hour: only the store's
/// backplane message can make it read the store again.
/// </summary>
public sealed class SharedStoreTests(StoreServersFixture servers) : IClassFixture<StoreServersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task TwoProxyProcesses_OverOnePostgreSql_ShareStoredResponses() =>
        TwoProxiesShareAsync("PostgreSql", servers.PostgreSqlConnectionString);

    [Fact]
    public Task TwoProxyProcesses_OverOneRedis_ShareStoredResponses() =>
        TwoProxiesShareAsync("Redis", servers.RedisConnectionString);

    [Fact]
    public Task PurgeThroughOneProxy_OverOnePostgreSql_TheOtherMissesAfterIt() =>
        PurgeReachesTheOtherAsync("PostgreSql", servers.PostgreSqlConnectionString);

    [Fact]
    public Task PurgeThroughOneProxy_OverOneRedis_TheOtherMissesAfterIt() =>
        PurgeReachesTheOtherAsync("Redis", servers.RedisConnectionString);

    private static async Task PurgeReachesTheOtherAsync(string provider, string connectionString)
    {
        const string Token = "purge-token-0123456789abcdef";
        await using var origin = await RecordingOrigin.StartAsync("feeds");
        var (first, second) = await StartPairAsync(origin, provider, connectionString, new()
        {
            ["Proxy__PurgeToken"] = Token,

            // Far longer than the test: without the backplane, the second proxy would serve its copy all along.
            ["HttpCaching__Defaults__NearCacheEntryDuration"] = "01:00:00",
        });
        await using var firstProxy = first;
        await using var secondProxy = second;
        using var client = new HttpClient();
        var path = $"/feeds/{Guid.NewGuid():N}/a";

        using var stored = await client.GetAsync(new Uri(first.BaseAddress, path), Ct);
        using var hit = await client.GetAsync(new Uri(second.BaseAddress, path), Ct);
        using var hitAgain = await client.GetAsync(new Uri(second.BaseAddress, path), Ct);
        using var purge = new HttpRequestMessage(new HttpMethod("PURGE"), new Uri(first.BaseAddress, path));
        purge.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Token);
        using var purged = await client.SendAsync(purge, Ct);

        // The message travels on its own; the second proxy's requests are hits until it arrives, then one misses.
        var statuses = new List<string>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        string status;
        do
        {
            try
            {
                using var after = await client.GetAsync(new Uri(second.BaseAddress, path), deadline.Token);
                status = after.CacheStatus();
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                status = "(no miss within 30 s: the purge never reached the second proxy)";
            }

            statuses.Add(status);
        }
        while (status.StartsWith("HttpCaching; hit", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.StartsWith("HttpCaching; hit", hit.CacheStatus(), StringComparison.Ordinal);
        Assert.StartsWith("HttpCaching; hit", hitAgain.CacheStatus(), StringComparison.Ordinal);
        Assert.True(status == "HttpCaching; fwd=uri-miss; fwd-status=200; stored", $"{string.Join(" | ", statuses)}\n{second.Output}");
        Assert.Equal([path["/feeds".Length..], path["/feeds".Length..]], origin.Targets);
    }

    /// <summary>Two proxy processes with one route to <paramref name="origin"/> over the store, with <paramref name="environment"/> added.</summary>
    private static async Task<(ProxyProcess First, ProxyProcess Second)> StartPairAsync(RecordingOrigin origin, string provider, string connectionString, Dictionary<string, string> environment)
    {
        environment["Proxy__Store__ConnectionString"] = connectionString;

        // The first write creates the PostgreSQL table: give it more than the default 250 ms.
        environment["HttpCaching__Defaults__StoreTimeout"] = "00:00:30";
        string[] settings =
        [
            "--Proxy:Routes:feeds:PathPrefix", "/feeds",
            "--Proxy:Routes:feeds:Origin", origin.Authority,
            "--Proxy:Store:Provider", provider,
        ];
        var first = await ProxyProcess.StartAsync(environment, settings);
        try
        {
            return (first, await ProxyProcess.StartAsync(environment, settings));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    private static async Task TwoProxiesShareAsync(string provider, string connectionString)
    {
        await using var origin = await RecordingOrigin.StartAsync("feeds");
        var (first, second) = await StartPairAsync(origin, provider, connectionString, []);
        await using var firstProxy = first;
        await using var secondProxy = second;
        using var client = new HttpClient();
        var run = Guid.NewGuid().ToString("N");

        using var stored = await client.GetAsync(new Uri(first.BaseAddress, $"/feeds/{run}/a"), Ct);
        using var hit = await client.GetAsync(new Uri(second.BaseAddress, $"/feeds/{run}/a"), Ct);
        using var storedBack = await client.GetAsync(new Uri(second.BaseAddress, $"/feeds/{run}/b"), Ct);
        using var hitBack = await client.GetAsync(new Uri(first.BaseAddress, $"/feeds/{run}/b"), Ct);

        Assert.NotEqual(first.BaseAddress, second.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.True(stored.CacheStatus().EndsWith("stored", StringComparison.Ordinal), $"{stored.CacheStatus()}\n{first.Output}");
        Assert.True(hit.CacheStatus().StartsWith("HttpCaching; hit", StringComparison.Ordinal), $"{hit.CacheStatus()}\n{second.Output}");
        Assert.StartsWith("HttpCaching; hit", hitBack.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal($"feeds /{run}/a", await hit.Content.ReadAsStringAsync(Ct));
        Assert.Equal([$"/{run}/a", $"/{run}/b"], origin.Targets);
    }
}
