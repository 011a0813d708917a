using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Npgsql;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// A database that goes away and comes back, on a server of the test's own: operations fail fast with an exception
/// (which the caching handler turns into a miss) instead of hanging, and work again once the server is back.
/// </summary>
public sealed class PostgreSqlRestartTests(PostgreSqlServerFixture fixture) : IAsyncDisposable
{
    /// <summary>Bounds each call only so that a hang fails the test instead of the run; it is never what ends a call.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private PostgreSqlServer? _server;
    private PostgreSqlStores? _stores;

    [Fact]
    public async Task ServerRestart_OperationsThrowWhileDown_AndWorkAgainAfter()
    {
        _server = await fixture.StartDedicatedServerAsync();
        _stores = new PostgreSqlStores(() => _server.ConnectionString);
        var cache = _stores.Create(_time, o => o.CommandTimeout = TimeSpan.FromSeconds(5));
        var startedLate = _stores.Create(_time, o => o.TableName = "started_while_down");
        await cache.SetAsync("k", [1, 2, 3], Absolute(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);

        await _server.StopAsync();

        // Each call fails by itself: the guard token is never what stops it.
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(HangGuard);
        Func<Task>[] operations =
        [
            () => cache.GetAsync("k", guard.Token),
            () => cache.SetAsync("k", [4], Absolute(TimeSpan.FromHours(1)), guard.Token),
            () => cache.RefreshAsync("k", guard.Token),
            () => cache.RemoveAsync("k", guard.Token),
            () => startedLate.GetAsync("k", guard.Token),
        ];
        foreach (var operation in operations)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(operation);
            Assert.False(guard.IsCancellationRequested, $"A call hung until the guard cancelled it: {error}");
            Assert.IsAssignableFrom<NpgsqlException>(error);
        }

        Assert.Throws<NpgsqlException>(() => cache.Get("k"));

        await _server.StartAsync();

        // Pooled connections that died with the server fail once each when next used; a fresh one then succeeds.
        byte[]? value = null;
        for (var attempt = 0; attempt < 20 && value is null; attempt++)
        {
            try
            {
                value = await cache.GetAsync("k", guard.Token);
            }
            catch (NpgsqlException)
            {
                Assert.False(guard.IsCancellationRequested);
            }
        }

        Assert.Equal([1, 2, 3], value);

        // The store whose first use came while the server was down creates its table now.
        await startedLate.SetAsync("k", [5], Absolute(TimeSpan.FromHours(1)), guard.Token);
        Assert.Equal([5], await startedLate.GetAsync("k", guard.Token));
    }

    public async ValueTask DisposeAsync()
    {
        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };
}
