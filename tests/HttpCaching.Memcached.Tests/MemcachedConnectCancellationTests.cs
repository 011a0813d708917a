using System.Net;
using System.Net.Sockets;
using HttpCaching.Memcached.Internal;
using HttpCaching.Memcached.Tests.Helpers;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// A connection that breaks (an <see cref="IOException"/> or <see cref="SocketException"/>) just as the caller's token
/// or the operation's time runs out while connecting: the caller sees its cancellation, or the store's usual failure,
/// never the raw socket error. The server closes every connection it accepts; the moment of the cancellation is set by
/// a <see cref="TimeProvider"/> that cancels when the connect timeout's timer is dropped, after the break.
/// </summary>
public sealed class MemcachedConnectCancellationTests : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(9);

    private readonly MemcachedStores _stores = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _closing;

    public MemcachedConnectCancellationTests()
    {
        _listener.Start();
        _closing = CloseEveryConnectionAsync();
    }

    [Fact]
    public async Task GetAsync_ConnectionBreaksAsTheCallerCancels_ThrowsOperationCanceledForTheCallersToken()
    {
        using var caller = new CancellationTokenSource();
        var time = new CancellingTimeProvider(ConnectTimeout, _ => caller.Cancel());
        var store = Store(time);

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync("key", caller.Token));

        Assert.Equal(caller.Token, ex.CancellationToken);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task SetAsync_ConnectionBreaksAsTheCallerCancels_ThrowsOperationCanceledForTheCallersToken()
    {
        using var caller = new CancellationTokenSource();
        var time = new CancellingTimeProvider(ConnectTimeout, _ => caller.Cancel());
        var store = Store(time);

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.SetAsync("key", [1, 2, 3], new(), caller.Token));

        Assert.Equal(caller.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task GetAsync_ConnectionBreaksAsTheOperationTimeoutRunsOut_ThrowsTimeoutStoreException()
    {
        var time = new CancellingTimeProvider(ConnectTimeout, provider => provider.Fire(OperationTimeout));
        var store = Store(time);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", TestContext.Current.CancellationToken));

        Assert.Equal(MemcachedStoreFailure.Timeout, ex.Failure);
        Assert.True(store.Nodes[0].IsDown);
    }

    public async ValueTask DisposeAsync()
    {
        await _stores.DisposeAsync();
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _closing;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private MemcachedCacheStore Store(TimeProvider time) => _stores.Create(
        o =>
        {
            o.Servers = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            o.ConnectTimeout = ConnectTimeout;
            o.OperationTimeout = OperationTimeout;
        },
        time);

    private async Task CloseEveryConnectionAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            client.Client.LingerState = new LingerOption(true, 0);
        }
    }

    /// <summary>
    /// The system clock, whose timers can be fired by hand; when a timer of <paramref name="trigger"/> is disposed, which
    /// the store does with the connect timeout's once connecting is over, <paramref name="onDisposed"/> runs.
    /// </summary>
    private sealed class CancellingTimeProvider(TimeSpan trigger, Action<CancellingTimeProvider> onDisposed) : TimeProvider
    {
        private readonly List<(TimeSpan Due, TimerCallback Callback, object? State)> _timers = [];

        /// <summary>Runs the callbacks of the timers created with <paramref name="due"/>, as if it had passed.</summary>
        public void Fire(TimeSpan due)
        {
            (TimeSpan Due, TimerCallback Callback, object? State)[] timers;
            lock (_timers)
            {
                timers = [.. _timers.Where(t => t.Due == due)];
            }

            foreach (var timer in timers)
            {
                timer.Callback(timer.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add((dueTime, callback, state));
            }

            return new Timer(System.CreateTimer(callback, state, dueTime, period), dueTime == trigger ? () => onDisposed(this) : null);
        }

        private sealed class Timer(ITimer inner, Action? onDisposed) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                inner.Dispose();
                onDisposed?.Invoke();
            }

            public async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                onDisposed?.Invoke();
            }
        }
    }
}
