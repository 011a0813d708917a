using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using HttpCaching.StackExchangeRedis.Tests.Helpers;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// Redis killed (SIGKILL, by its process id) while requests run, and started again on the same port: no request fails,
/// and caching resumes once the connection is back.
/// </summary>
public sealed class RedisRestartTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private RedisServer? _server;
    private RedisApp? _app;

    [Fact]
    public async Task KilledMidRunAndRestarted_NoRequestFails_CachingResumes()
    {
        _server = await fixture.StartDedicatedServerAsync();
        var port = _server.Port;
        _app = RedisApp.Start(o => o.Configuration = _server.Endpoint, caching: o => o.StoreTimeout = TimeSpan.FromMilliseconds(250));
        var app = _app;
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new ConcurrentQueue<string>();
        long done = 0;
        var milestones = new[] { 40L, 120L }.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        using var stop = new CancellationTokenSource();

        async Task WorkerAsync(int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var reply = await app.GetAsync($"items/{(worker * 7 + i) % 10}");
                    if (reply.Status != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{reply.Status} {reply.CacheStatus}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or TaskCanceledException)
                {
                    failures.Enqueue(ex.ToString());
                }

                if (milestones.TryGetValue(Interlocked.Increment(ref done), out var reached))
                {
                    reached.TrySetResult();
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WorkerAsync(w), CancellationToken.None)).ToArray();
        try
        {
            await milestones[40].Task.WaitAsync(Limit, Ct);
            Assert.NotEmpty(await RedisKeys.ScanAsync(_server.ConnectionString, "httpcaching:*"));

            var pid = _server.ProcessId;
            app.Store.Connection.Restored += () => restored.TrySetResult();
            await _server.KillAsync();
            Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));

            // Requests go on while Redis is gone, then it comes back, empty (no persistence), on the same port.
            await milestones[120].Task.WaitAsync(Limit, Ct);
            await _server.StartAsync();
            Assert.Equal(port, _server.Port);
            await restored.Task.WaitAsync(Limit, Ct);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        Assert.Empty(failures);
        Assert.True(Interlocked.Read(ref done) >= 120);

        // Caching resumes once the handler tries the store again (its breaker, if the outage opened it, lets a call
        // through within two seconds): poll, bounded, for a response that is stored in Redis again.
        var watch = Stopwatch.StartNew();
        RedisApp.Reply? stored = null;
        for (var attempt = 0; stored is null && watch.Elapsed < Limit; attempt++)
        {
            var reply = await app.GetAsync($"after/{attempt}");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            if (reply.IsStored)
            {
                stored = reply;
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
            }
        }

        Assert.NotNull(stored);
        Assert.NotEmpty(await RedisKeys.ScanAsync(_server.ConnectionString, "httpcaching:*"));
        Assert.NotEmpty(app.StoreLogs(RedisHttpCacheDiagnostics.ConnectionFailedEventId));
        Assert.NotEmpty(app.StoreLogs(RedisHttpCacheDiagnostics.ConnectionRestoredEventId));

        // The memory policy was read again after the restart.
        Assert.Equal(2, app.StoreLogs(RedisHttpCacheDiagnostics.MemoryPolicyCheckedEventId).Count);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
