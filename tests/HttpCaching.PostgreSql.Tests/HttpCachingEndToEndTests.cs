using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The caching handler of the main library with a keyed PostgreSQL store, as the README sets it up.</summary>
public sealed class HttpCachingEndToEndTests : IAsyncDisposable
{
    private readonly PostgreSqlServerFixture _server;
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private ServiceProvider? _provider;

    public HttpCachingEndToEndTests(PostgreSqlServerFixture server) => _server = server;

    [Fact]
    public async Task KeyedStore_StoresServesAndRevalidatesThroughPostgreSql()
    {
        _server.EnsureAvailable();
        var table = "e2e_" + Guid.NewGuid().ToString("N");
        var origin = new OriginStub(request => request.Headers.IfNoneMatch.Count > 0
            ? Stamp(new HttpResponseMessage(HttpStatusCode.NotModified), "\"v1\"")
            : Stamp(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"items\":[1,2,3]}", Encoding.UTF8, "application/json") }, "\"v1\""));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddKeyedPostgreSqlHttpCache("feeds", o => (o.ConnectionString, o.TableName) = (_server.ConnectionString, table));
        services.AddHttpClient("feeds")
            .AddThirdPartyCaching(o => (o.StoreServiceKey, o.MinimumFreshness) = ("feeds", TimeSpan.Zero))
            .ConfigurePrimaryHttpMessageHandler(() => origin);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        var client = _provider.GetRequiredService<IHttpClientFactory>().CreateClient("feeds");
        await using var stores = new PostgreSqlStores(() => _server.ConnectionString);

        Assert.Equal("{\"items\":[1,2,3]}", await GetAsync(client));
        Assert.Equal(2L, await stores.ScalarAsync<long>($"SELECT count(*) FROM httpcaching.\"{table}\""));

        Assert.Equal("{\"items\":[1,2,3]}", await GetAsync(client));
        Assert.Single(origin.Requests);

        // Stale after max-age=60: revalidated with the stored ETag, and the 304 keeps the stored body.
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal("{\"items\":[1,2,3]}", await GetAsync(client));
        Assert.Equal(2, origin.Requests.Count);
        Assert.Equal("\"v1\"", Assert.Single(origin.Requests[1].Headers.IfNoneMatch).Tag);
        Assert.Equal(2L, await stores.ScalarAsync<long>($"SELECT count(*) FROM httpcaching.\"{table}\""));
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    private HttpResponseMessage Stamp(HttpResponseMessage response, string etag)
    {
        response.Headers.Date = _time.GetUtcNow();
        response.Headers.ETag = EntityTagHeaderValue.Parse(etag);
        response.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromSeconds(60) };
        return response;
    }

    private static async Task<string> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("https://feeds.example/v1/items?page=1"), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }
}
