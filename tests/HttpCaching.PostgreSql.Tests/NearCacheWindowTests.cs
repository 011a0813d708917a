using HttpCaching.PostgreSql.Tests.Helpers;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The near cache reuses an entry record for its window only: hits served from memory never extend it.</summary>
public sealed class NearCacheWindowTests(PostgreSqlServerFixture server) : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly List<AppInstance> _apps = [];
    private readonly string _table = "window_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task EntryRecordReadFromTheStore_IsReusedForTheWindowOnly_EvenWhenHitsKeepComing()
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        Assert.True((await Start(origin).GetAsync("/f.xml")).IsStored);
        var reader = Start(origin);
        var store = reader.StoreCalls!;

        Assert.True((await reader.GetAsync("/f.xml")).IsHit);   // t: reads entry + body from PostgreSQL
        Assert.Equal(2, store.Reads.Count);
        _time.Advance(TimeSpan.FromSeconds(4));
        store.ClearLog();
        Assert.True((await reader.GetAsync("/f.xml")).IsHit);   // t+4: within the 5 s window, from memory
        Assert.Empty(store.Operations);
        _time.Advance(TimeSpan.FromSeconds(4));
        store.ClearLog();
        Assert.True((await reader.GetAsync("/f.xml")).IsHit);   // t+8: the record read at t is 8 s old
        Assert.Single(store.Reads);
    }

    [Fact]
    public async Task NewVersionStoredByAnotherInstance_IsSeenOnceTheWindowHasPassed_EvenWhenHitsKeepComing()
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var a = Start(origin);
        var b = Start(origin);
        Assert.True((await a.GetAsync("/f.xml")).IsStored);
        Assert.True((await b.GetAsync("/f.xml")).IsHit);

        _time.Advance(TimeSpan.FromSeconds(1));
        origin.Publish();
        Assert.Equal(FeedOrigin.Body("/f.xml", 2), (await a.GetAsync("/f.xml", noCache: true)).Body);

        var bodies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(i == 0 ? 3 : 4)); // t+4, t+8, ..., t+40
            bodies.Add((await b.GetAsync("/f.xml")).Body.Contains("version=\"2\"", StringComparison.Ordinal) ? "v2" : "v1");
        }

        // Documented: "A new version stored by another instance is seen once this window has passed."
        Assert.Equal("v1,v2,v2,v2,v2,v2,v2,v2,v2,v2", string.Join(',', bodies));
    }

    [Fact]
    public async Task InvalidationByAnotherInstance_IsSeenOnceTheWindowHasPassed_EvenWhenHitsKeepComing()
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var a = Start(origin);
        var b = Start(origin);
        Assert.True((await a.GetAsync("/f.xml")).IsStored);
        Assert.True((await b.GetAsync("/f.xml")).IsHit);

        _time.Advance(TimeSpan.FromSeconds(1));
        origin.Publish();
        var invalidator = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IThirdPartyCacheInvalidator>(a.Services);
        Assert.True(await invalidator.InvalidateAsync(AppInstance.ClientName, new Uri(AppInstance.BaseAddress, "/f.xml"), TestContext.Current.CancellationToken));

        var statuses = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(i == 0 ? 3 : 4)); // t+4, t+8, ..., t+40
            var reply = await b.GetAsync("/f.xml");
            statuses.Add(reply.IsHit ? "hit-v" + (reply.Body.Contains("version=\"2\"", StringComparison.Ordinal) ? 2 : 1) : "miss");
        }

        Assert.Equal("hit-v1,miss,hit-v2,hit-v2,hit-v2,hit-v2,hit-v2,hit-v2,hit-v2,hit-v2", string.Join(',', statuses));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    private AppInstance Start(FeedOrigin origin)
    {
        var app = AppInstance.Start(_time, origin.CreateStub(), o => (o.ConnectionString, o.TableName) = (server.ConnectionString, _table), countStoreCalls: true);
        _apps.Add(app);
        return app;
    }
}
