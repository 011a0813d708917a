using System.Net;
using HttpCaching.Proxy.Tests.Helpers;

namespace HttpCaching.Proxy.Tests;

/// <summary>
/// Two proxy processes over one shared store: a response stored through one is a hit through the other. The store is
/// chosen by Proxy:Store:Provider, with the connection string from the environment (Proxy__Store__ConnectionString).
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

    private static async Task TwoProxiesShareAsync(string provider, string connectionString)
    {
        await using var origin = await RecordingOrigin.StartAsync("feeds");
        var environment = new Dictionary<string, string>
        {
            ["Proxy__Store__ConnectionString"] = connectionString,

            // The first write creates the PostgreSQL table: give it more than the default 250 ms.
            ["HttpCaching__Defaults__StoreTimeout"] = "00:00:30",
        };
        string[] settings =
        [
            "--Proxy:Routes:feeds:PathPrefix", "/feeds",
            "--Proxy:Routes:feeds:Origin", origin.Authority,
            "--Proxy:Store:Provider", provider,
        ];
        await using var first = await ProxyProcess.StartAsync(environment, settings);
        await using var second = await ProxyProcess.StartAsync(environment, settings);
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
