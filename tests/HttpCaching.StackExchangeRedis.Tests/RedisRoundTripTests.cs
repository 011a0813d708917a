using HttpCaching.StackExchangeRedis.Internal;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// What a hit costs in round trips to Redis, counted on the store's own multiplexer with StackExchange.Redis's
/// profiler: every command the store sends, and whether the caller waited for its reply (a fire-and-forget command
/// is sent, not waited for).
/// </summary>
public sealed class RedisRoundTripTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private readonly List<RedisApp> _apps = [];

    [Fact]
    public async Task HitWithoutNearCache_TwoRoundTrips_EntryThenBody_SlidingRefreshNotWaitedFor()
    {
        var (app, path) = (Start(o => o.NearCacheSizeLimit = 0), NewPath());
        Assert.True((await app.GetAsync(path)).IsStored);

        var commands = await ProfileAsync(app, async () => Assert.True((await app.GetAsync(path)).IsHit));

        Assert.Equal(["HMGET", "HMGET"], commands.Where(c => !c.Flags.HasFlag(CommandFlags.FireAndForget)).Select(c => c.Command));
        Assert.Equal("PEXPIRE", Assert.Single(commands, c => c.Flags.HasFlag(CommandFlags.FireAndForget)).Command);
    }

    [Fact]
    public async Task HitsWithoutNearCache_WithinTheRefreshInterval_TheBodyIsRenewedOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (app, path) = (Start(o => o.NearCacheSizeLimit = 0, time), NewPath());
        Assert.True((await app.GetAsync(path)).IsStored);
        _ = await ProfileAsync(app, async () => Assert.True((await app.GetAsync(path)).IsHit));

        var again = await ProfileAsync(app, async () => Assert.True((await app.GetAsync(path)).IsHit));
        time.Advance(RedisCacheStore.RefreshInterval);
        var later = await ProfileAsync(app, async () => Assert.True((await app.GetAsync(path)).IsHit));

        Assert.Equal(["HMGET", "HMGET"], again.Select(c => c.Command));
        Assert.Equal(["HMGET", "HMGET", "PEXPIRE"], later.Select(c => c.Command));
    }

    [Fact]
    public async Task HitWithinTheNearCacheWindow_NoRoundTrip()
    {
        var (app, path) = (Start(o => o.NearCacheEntryDuration = TimeSpan.FromHours(1)), NewPath());
        Assert.True((await app.GetAsync(path)).IsStored);

        var commands = await ProfileAsync(app, async () => Assert.True((await app.GetAsync(path)).IsHit));

        Assert.Empty(commands);
    }

    [Fact]
    public async Task ReadOfAMissingKey_SendsNoPexpire_WhichWouldRemoveARecordWrittenMeanwhile()
    {
        var app = Start(o => o.NearCacheSizeLimit = 0);
        var key = "round-trips:missing:" + Guid.NewGuid().ToString("N");
        Assert.Null(await app.Store.GetAsync(key + ":connect", TestContext.Current.CancellationToken));

        // The renewal is sent after the read's answer: had the key been written in between (another instance storing
        // the URL as this one polls for it), a PEXPIRE computed from the missing fields would have removed it.
        var read = await ProfileAsync(app, async () => Assert.Null(await app.Store.GetAsync(key, TestContext.Current.CancellationToken)));
        var refreshed = await ProfileAsync(app, () => app.Store.RefreshAsync(key, TestContext.Current.CancellationToken));

        Assert.Equal(["HMGET"], read.Select(c => c.Command));
        Assert.Equal(["HMGET"], refreshed.Select(c => c.Command));
    }

    [Fact]
    public async Task ReadOfASlidingRecordWithoutAbsoluteField_RenewsItForItsWindow_KeepsIt()
    {
        var app = Start(o => o.NearCacheSizeLimit = 0);
        var key = "round-trips:foreign:" + Guid.NewGuid().ToString("N");
        var redisKey = key;
        await RedisKeys.ExecuteAsync(fixture.AdminConnectionString, "HSET", redisKey, "sldexp", TimeSpan.FromMinutes(10).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), "data", "x");

        Assert.Equal("x"u8.ToArray(), await app.Store.GetAsync(key, TestContext.Current.CancellationToken));
        await app.Store.Connection.Current!.GetDatabase().PingAsync();

        var ttl = (long)await RedisKeys.ExecuteAsync(fixture.AdminConnectionString, "PTTL", redisKey);
        Assert.InRange(ttl, 1, (long)TimeSpan.FromMinutes(10).TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>A path no other test asks for: the tests share one server.</summary>
    private static string NewPath() => "round-trips/" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// The commands the store sends while <paramref name="action"/> runs. A PING sent after it on the same connection,
    /// and answered, shows that every command written before it, fire-and-forget ones too, has been sent (and profiled).
    /// </summary>
    private static async Task<List<IProfiledCommand>> ProfileAsync(RedisApp app, Func<Task> action)
    {
        var multiplexer = app.Store.Connection.Current!;
        var session = new ProfilingSession();
        multiplexer.RegisterProfiler(() => session);
        try
        {
            await action();
            await multiplexer.GetDatabase().PingAsync();
            return [.. session.FinishProfiling().Where(c => c.Command is not ("PING" or "ECHO" or "INFO" or "CONFIG" or "CLUSTER" or "SUBSCRIBE"))];
        }
        finally
        {
            multiplexer.RegisterProfiler(() => null);
        }
    }

    private RedisApp Start(Action<ThirdPartyCachingOptions> caching, TimeProvider? time = null)
    {
        var app = RedisApp.Start(o => o.Configuration = fixture.Endpoint, time: time, caching: caching);
        _apps.Add(app);
        return app;
    }
}
