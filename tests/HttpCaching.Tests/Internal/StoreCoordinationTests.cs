using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpCaching.Tests.Internal;

public sealed class StoreCoordinationTests
{
    private const string LeaseKey = "httpcaching:test:l:hash";

    [Fact]
    public async Task TryAcquire_LeaseGrantedAfterTheTimeout_IsTheFetchsAndReleasedWhenItEnds()
    {
        // The store's SET NX went through after the instance stopped waiting for it. The instance fetches at once all
        // the same, so the lease is that fetch's: the others wait for what it stores, and it is released when the fetch
        // ends (left held by no one, it would keep every instance waiting for the URL until it expired).
        var time = new FakeTimeProvider(TestClock.Start);
        var coordinator = new LateCoordinator();
        var coordination = new StoreCoordination(coordinator, time, NullLogger.Instance);

        var acquiring = coordination.TryAcquireAsync(LeaseKey, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var (lease, held) = await acquiring.WaitAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(lease);
        Assert.False(held);

        var late = new LateLease();
        coordinator.Grant.SetResult(late);
        Assert.False(late.Released.IsCompleted);

        await coordination.ReleaseAsync(lease, TimeSpan.FromSeconds(1));
        Assert.True(late.Released.IsCompleted);
    }

    [Fact]
    public async Task TryAcquire_LeaseGrantedAfterTheFetchEnded_IsReleasedWhenItComes()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var coordinator = new LateCoordinator();
        var coordination = new StoreCoordination(coordinator, time, NullLogger.Instance);

        var acquiring = coordination.TryAcquireAsync(LeaseKey, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var (lease, _) = await acquiring.WaitAsync(TestContext.Current.CancellationToken);
        await coordination.ReleaseAsync(lease!, TimeSpan.FromSeconds(1));

        var late = new LateLease();
        coordinator.Grant.SetResult(late);

        await Poll.UntilAsync(() => late.Released.IsCompleted, "the late lease is released");
    }

    [Fact]
    public async Task TryAcquire_CallerGoneBeforeTheLeaseIsGranted_TheLeaseIsReleased()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var coordinator = new LateCoordinator();
        var coordination = new StoreCoordination(coordinator, time, NullLogger.Instance);
        using var caller = new CancellationTokenSource();

        var acquiring = coordination.TryAcquireAsync(LeaseKey, TimeSpan.FromSeconds(1), caller.Token);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquiring);

        var late = new LateLease();
        coordinator.Grant.SetResult(late);

        await Poll.UntilAsync(() => late.Released.IsCompleted, "the late lease is released");
    }

    /// <summary>A coordinator whose lease is granted (or refused) when the test says so.</summary>
    private sealed class LateCoordinator : IHttpCacheCoordinator
    {
        public TaskCompletionSource<IAsyncDisposable?> Grant { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool BackplaneEnabled => false;

        public bool CollapseAcrossInstances => true;

        public TimeSpan LeaseWait => TimeSpan.FromSeconds(2);

        public ValueTask PublishAsync(string message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public IDisposable Subscribe(Action<string> onMessage) => new CancellationTokenSource();

        public ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken) => new(Grant.Task);
    }

    private sealed class LateLease : IAsyncDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Released => _released.Task;

        public ValueTask DisposeAsync()
        {
            _released.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
