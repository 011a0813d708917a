using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

/// <summary>
/// The handler's side of a store's <see cref="IHttpCacheCoordinator"/>, one per guarded store: it publishes the keys of
/// the records this instance changed, drops the near-cache copies of the keys other instances changed, wakes the
/// requests that wait for another instance's fetch, and takes leases. Nothing here ever fails a request: a coordinator
/// call that throws or does not answer in time is logged (rate-limited) and the request goes on as without it.
/// </summary>
/// <remarks>
/// A message is its kind (<c>1</c> a change, <c>w</c> a wake-up, <c>r</c> an invalidation), this instance's id (32 hex
/// digits) and the store key, whose URL part is a hash: no URL, query
/// string or header ever leaves in one. Messages from this instance's own id are ignored, so the instance that wrote a
/// record keeps its own fresh copy.
/// </remarks>
internal sealed partial class StoreCoordination
{
    /// <summary>The longest a coordinator call waits when the client's store timeout is unlimited.</summary>
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    private const string Version = "1";

    /// <summary>
    /// The kind of message that only wakes the instances waiting for a key's lease: nothing was written, so their copies
    /// stay (a pending record among them). Instances that do not know it ignore it, and poll.
    /// </summary>
    private const string WakeKind = "w";

    /// <summary>
    /// The kind of message an invalidation sends after its removal's own change message: a URL's stored responses were
    /// made unusable. An instance that wrote the URL's entry a moment before (a fetch that started before the change)
    /// removes it again. Instances that do not know it ignore it; the change message before it drops their copies.
    /// </summary>
    private const string InvalidatedKind = "r";

    /// <summary>
    /// How long after this instance wrote a URL's entry another instance's invalidation of it removes it again: far
    /// longer than a message takes, which is what decides whether the write may have come after the removal.
    /// </summary>
    internal static readonly TimeSpan LateInvalidationWindow = TimeSpan.FromSeconds(10);

    private const int WriteSlots = 4096;
    private const int IdLength = 32;

    private readonly IHttpCacheCoordinator _coordinator;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _throttle;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<NearCache, byte> _nearCaches = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly RecentWrite?[] _writes = new RecentWrite?[WriteSlots];
    private IDisposable? _subscription;

    public StoreCoordination(IHttpCacheCoordinator coordinator, TimeProvider time, ILogger logger)
    {
        _coordinator = coordinator;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time);
    }

    /// <summary>Whether changes are published and received.</summary>
    public bool Backplane => _coordinator.BackplaneEnabled;

    /// <summary>
    /// The keys other instances said they changed (wrote or removed), by the number of the message: a fetch that started
    /// before one for its URL and finds nothing stored when it is about to write knows that the URL was removed meanwhile
    /// (an invalidation on another instance leaves no record to show it) and does not write what the origin decided
    /// before the change. 8192 slots (64 KiB): a busy store's other writes seldom share the slot of a cold miss.
    /// </summary>
    public RecentInvalidations Changes { get; } = new(ChangeSlots);

    /// <summary>
    /// The URLs other instances said they invalidated, by the number of the message: a fetch that started before one for
    /// its URL does not write, and removes again what it wrote while the message came.
    /// </summary>
    public RecentInvalidations Invalidations { get; } = new(ChangeSlots);

    private const int ChangeSlots = 8192;

    /// <summary>
    /// The number of the latest change another instance announced, for a fetch to remember when it starts; subscribes
    /// first, so that an instance whose first request is a cold miss hears of changes while its origin answers.
    /// </summary>
    public long ChangesSeen()
    {
        if (Backplane)
        {
            EnsureSubscribed();
        }

        return Changes.Current;
    }

    /// <summary>The number of the latest invalidation another instance announced, for a fetch to remember when it starts.</summary>
    public long InvalidationsSeen() => Invalidations.Current;

    /// <summary>Whether leases collapse the origin requests of several instances into one.</summary>
    public bool Leases => _coordinator.CollapseAcrossInstances;

    /// <summary>How long a request waits for another instance's fetch.</summary>
    public TimeSpan LeaseWait => _coordinator.LeaseWait;

    /// <summary>
    /// Lets the backplane drop records from <paramref name="near"/> (a client's near cache in front of this store);
    /// subscribes on the first call.
    /// </summary>
    public void Attach(NearCache near)
    {
        if (!Backplane || !_nearCaches.TryAdd(near, 0))
        {
            return;
        }

        EnsureSubscribed();
    }

    /// <summary>
    /// Tells the other instances that the record under <paramref name="key"/> changed (written or removed); in the
    /// background, so no request waits for it.
    /// </summary>
    public void Changed(string key) => Publish(Version, key);

    /// <summary>
    /// Wakes the instances waiting for <paramref name="key"/>'s lease, after a fetch that stored nothing; their copies of
    /// the record are left alone.
    /// </summary>
    public void Woken(string key) => Publish(WakeKind, key);

    /// <summary>
    /// Tells the other instances that the URL whose entry key is <paramref name="key"/> was invalidated, after its removal
    /// (and that removal's change message): one that wrote it just before removes its write again.
    /// </summary>
    public void Invalidated(string key) => Publish(InvalidatedKind, key);

    /// <summary>
    /// Notes that this instance wrote (or tried to write) the URL entry record under <paramref name="key"/> through
    /// <paramref name="store"/>, for <see cref="LateInvalidationWindow"/> (called with the backplane on only). One slot per
    /// key hash; a write of another key in the same slot takes it, and the slot remembers when the latest write it
    /// displaced was done, and through which store, so that an invalidation of a key it no longer names still removes
    /// that key (<see cref="RemoveLateWrite"/>). A full fence: the caller's check of the invalidations after it cannot be
    /// moved before it, so an invalidation is seen by the writer or finds the write here.
    /// </summary>
    public void Wrote(string key, TieredStore store)
    {
        ref var slot = ref _writes[WriteSlot(key)];
        var now = _time.GetTimestamp();
        while (true)
        {
            var held = Volatile.Read(ref slot);
            // The write a slot names is always later than the one it displaced: displacing it keeps the later one.
            var next = held is null ? new RecentWrite(key, now, store, 0, null)
                : string.Equals(held.Key, key, StringComparison.Ordinal) ? new RecentWrite(key, now, store, held.DisplacedTimestamp, held.DisplacedStore)
                : new RecentWrite(key, now, store, held.Timestamp, held.Store);
            if (ReferenceEquals(Interlocked.CompareExchange(ref slot, next, held), held))
            {
                return;
            }
        }
    }

    private void Publish(string kind, string key)
    {
        if (!Backplane)
        {
            return;
        }

        EnsureSubscribed();
        var message = string.Concat(kind, _instanceId, key);
        ValueTask publishing;
        try
        {
            publishing = _coordinator.PublishAsync(message, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Failed("publish", ex);
            return;
        }

        if (!publishing.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(publishing);
        }

        async Task ObserveAsync(ValueTask pending)
        {
            try
            {
                await pending.AsTask().WaitAsync(CallLimit, _time).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Failed("publish", ex);
            }
        }
    }

    /// <summary>
    /// Waits until another instance says <paramref name="key"/> changed, or <paramref name="timeout"/> passes, whichever
    /// comes first; throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task WaitForChangeAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = Watch(key);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, _time, stop.Token);
        try
        {
            await Task.WhenAny(waiter, delay).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (!waiter.IsCompleted && _waiters.TryGetValue(key, out var current) && current.Task == waiter)
            {
                _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, current));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Starts watching <paramref name="key"/>: the task completes when another instance next says it changed. Called
    /// before a lease attempt, so that a change that comes between the attempt and the wait still wakes the waiter.
    /// </summary>
    public Task Watch(string key) =>
        _waiters.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// Stops watching <paramref name="key"/> when <paramref name="watched"/> (from <see cref="Watch"/>) is still the
    /// key's waiter and nothing woke it, so that keys no one waits for any more are not kept: one per URL otherwise.
    /// </summary>
    public void Unwatch(string key, Task? watched)
    {
        if (watched is { IsCompleted: false } && _waiters.TryGetValue(key, out var current) && current.Task == watched)
        {
            _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, current));
        }
    }

    /// <summary>
    /// Tries to take the lease of <paramref name="key"/>, bounded by <paramref name="timeout"/>. Returns the lease, or
    /// <see langword="null"/> with <c>Held</c> set when another instance holds it; <see langword="null"/> with
    /// <c>Held</c> clear when the store could not say (logged), so the caller fetches at once.
    /// </summary>
    public async Task<(IAsyncDisposable? Lease, bool Held)> TryAcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<IAsyncDisposable?>? acquiring = null;
        try
        {
            acquiring = _coordinator.TryAcquireLeaseAsync(key, cancellationToken).AsTask();
            var lease = await acquiring.WaitAsync(Bounded(timeout), _time, cancellationToken).ConfigureAwait(false);
            return (lease, lease is null);
        }
        catch (Exception ex)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // The caller went: a lease the store grants after all belongs to no one, and would keep every instance
                // waiting for the URL until it expired. It is released as soon as it comes.
                if (acquiring is not null)
                {
                    ReleaseWhenGranted(acquiring);
                }

                throw;
            }

            Failed("lease", ex);

            // Not granted in time: this instance fetches at once all the same, so a lease the store grants after all is
            // that fetch's. It is held while the fetch runs (the others wait for what it stores), then released.
            return acquiring is { IsCompleted: false } ? (new LateLease(this, acquiring), false) : (null, false);
        }
    }

    /// <summary>Releases the lease <paramref name="acquiring"/> brings, as soon as it comes (nothing when the store refused).</summary>
    internal void ReleaseWhenGranted(Task<IAsyncDisposable?> acquiring) =>
        _ = acquiring.ContinueWith(
            static (granted, state) =>
            {
                if (granted.IsCompletedSuccessfully)
                {
                    if (granted.Result is { } lease)
                    {
                        _ = ((StoreCoordination)state!).ReleaseAsync(lease, CallLimit);
                    }
                }
                else
                {
                    _ = granted.Exception;
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>
    /// Releases a lease, bounded by <paramref name="timeout"/>, before the holder's callers get the response, so that
    /// an instance that asks next finds the URL free; one the store does not release expires.
    /// </summary>
    public async Task ReleaseAsync(IAsyncDisposable lease, TimeSpan timeout)
    {
        try
        {
            await lease.DisposeAsync().AsTask().WaitAsync(Bounded(timeout), _time).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed("release", ex);
        }
    }

    private static TimeSpan Bounded(TimeSpan timeout) => timeout == Timeout.InfiniteTimeSpan || timeout > CallLimit ? CallLimit : timeout;

    private void EnsureSubscribed()
    {
        if (Volatile.Read(ref _subscription) is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_subscription is not null)
            {
                return;
            }

            try
            {
                _subscription = _coordinator.Subscribe(OnMessage);
            }
            catch (Exception ex)
            {
                // The coordinator keeps its subscription alive by itself; one that cannot even start is tried again
                // with the next change.
                Failed("subscribe", ex);
            }
        }
    }

    private void OnMessage(string message)
    {
        var wake = message.Length > 0 && message[0] == WakeKind[0];
        var invalidated = message.Length > 0 && message[0] == InvalidatedKind[0];
        if (message.Length <= IdLength + 1
            || (message[0] != Version[0] && !wake && !invalidated)
            || message.AsSpan(1, IdLength).SequenceEqual(_instanceId))
        {
            return;
        }

        var key = message[(IdLength + 1)..];
        if (invalidated)
        {
            // Also a change (below), for an instance whose removal the store did not take, which sent no change message.
            Invalidations.Note(key);
            RemoveLateWrite(key);
        }

        if (!wake)
        {
            Changes.Note(key);
        }

        foreach (var near in wake ? [] : _nearCaches.Keys)
        {
            try
            {
                near.Drop(key);
            }
            catch (ObjectDisposedException)
            {
                // The client's cache went with its service provider.
                _nearCaches.TryRemove(near, out _);
            }
        }

        if (_waiters.TryRemove(key, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>
    /// Another instance invalidated <paramref name="key"/>'s URL: a write of its entry this instance finished (or gave
    /// up on) within <see cref="LateInvalidationWindow"/> may have landed after that removal, with what the origin said
    /// before the change, so it goes again (its removal tells the others). So does the key when its slot displaced a
    /// write of another key within the window, which may have been this one's: a removal too many is only a miss. One
    /// that came after the removal goes too; the next request fetches again, which is safe. In the background: the
    /// message's handler only starts the removal.
    /// </summary>
    private void RemoveLateWrite(string key)
    {
        var write = Volatile.Read(ref _writes[WriteSlot(key)]);
        var store = write switch
        {
            null => null,
            _ when string.Equals(write.Key, key, StringComparison.Ordinal) =>
                _time.GetElapsedTime(write.Timestamp) <= LateInvalidationWindow ? write.Store : null,
            { DisplacedStore: { } displaced } when _time.GetElapsedTime(write.DisplacedTimestamp) <= LateInvalidationWindow => displaced,
            _ => null,
        };

        if (store is not null)
        {
            // The store of the write the key may be (the displaced one's when the slot names another key): its client's
            // near cache remembers a removal the store refuses, and retries it. Off the thread that delivers messages:
            // a store may block its caller's thread, and the messages after this one must not wait for it.
            _ = Task.Run(() => RemoveAsync(store, key));
        }

        static async Task RemoveAsync(TieredStore store, string key)
        {
            try
            {
                // Bounded even when the client's store timeout is not; a removal the store does not take is retried by
                // the near cache.
                await store.RemoveInBackgroundAsync(key).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The client's cache went with its service provider.
            }
        }
    }

    internal static int WriteSlot(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % WriteSlots);

    private void Failed(string operation, Exception exception)
    {
        if (_throttle.ShouldLog(Log.CoordinationFailedId, operation, out var suppressed))
        {
            Log.CoordinationFailed(_logger, operation, suppressed, exception);
        }
    }
}
