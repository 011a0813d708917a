namespace HttpCaching.Tests.Helpers;

/// <summary>
/// What a shared store's coordination does, in memory, for several instances of one test: every message published
/// by any member reaches every subscriber, the publisher's own included (as Redis pub/sub and PostgreSQL NOTIFY do),
/// synchronously; leases are kept by key with an expiry judged by the test's clock. Switches make lease calls fail or
/// turn either feature off, and counters say what the handler asked for.
/// </summary>
public sealed class FakeCoordinationHub(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (object Holder, DateTimeOffset Until)> _leases = new(StringComparer.Ordinal);
    private readonly List<Action<string>> _subscribers = [];
    private readonly List<string> _messages = [];
    private readonly List<string> _delivered = [];
    private int _leaseAttempts;

    private TimeProvider Time => time;

    public bool Backplane { get; set; } = true;

    public bool CollapseAcrossInstances { get; set; } = true;

    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Makes every lease call throw, as a store that is down does.</summary>
    public bool FailLeases { get; set; }

    /// <summary>Drops every message instead of delivering it, as a subscriber that is reconnecting misses them.</summary>
    public bool DropMessages { get; set; }

    /// <summary>
    /// Keeps every message published from now on until <see cref="DeliverHeld"/>: a backplane slower than the store, whose
    /// messages come after the writes that followed them.
    /// </summary>
    public bool HoldMessages { get; set; }

    private readonly List<string> _held = [];

    /// <summary>Delivers the messages held so far, in the order they were published, and stops holding new ones.</summary>
    public void DeliverHeld()
    {
        string[] held;
        lock (_gate)
        {
            HoldMessages = false;
            held = [.. _held];
            _held.Clear();
        }

        foreach (var message in held)
        {
            Deliver(message);
        }
    }

    public int LeaseAttempts => Volatile.Read(ref _leaseAttempts);

    private Func<Task>? _beforeNextLeaseAttempt;

    /// <summary>
    /// Runs <paramref name="run"/> once, at the start of the next lease attempt (of any member), before the attempt looks
    /// at the leases: what another instance did between a request's read of the store and its attempt.
    /// </summary>
    public void BeforeNextLeaseAttempt(Func<Task> run) => _beforeNextLeaseAttempt = run;

    /// <summary>
    /// Raised with the member and the lease key each time a lease attempt finds the lease held by another, on the
    /// attempting request's thread just before the attempt returns: what that request does next (arming its poll
    /// timer, say) it has not done yet.
    /// </summary>
    public event Action<IHttpCacheCoordinator, string>? LeaseHeld;

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>
    /// The messages every subscriber has been handed, in order: a message is in <see cref="Messages"/> once published,
    /// and here only after the subscribers ran (the other instances dropped their copies).
    /// </summary>
    public IReadOnlyList<string> Delivered
    {
        get
        {
            lock (_gate)
            {
                return [.. _delivered];
            }
        }
    }

    /// <summary>The coordinator of one instance.</summary>
    public IHttpCacheCoordinator Join() => new Member(this);

    /// <summary>Takes a lease on behalf of a holder that will never release it (a process that died).</summary>
    public void TakeAbandonedLease(string key)
    {
        lock (_gate)
        {
            _leases[key] = (new object(), time.GetUtcNow() + LeaseDuration);
        }
    }

    /// <summary>The keys of the leases held now (not expired).</summary>
    public IReadOnlyList<string> HeldLeases()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return [.. _leases.Where(l => l.Value.Until > now).Select(l => l.Key)];
        }
    }

    private void Publish(string message)
    {
        lock (_gate)
        {
            _messages.Add(message);
            if (DropMessages)
            {
                return;
            }

            if (HoldMessages)
            {
                _held.Add(message);
                return;
            }
        }

        Deliver(message);
    }

    private void Deliver(string message)
    {
        Action<string>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(message);
        }

        lock (_gate)
        {
            _delivered.Add(message);
        }
    }

    private sealed class Member(FakeCoordinationHub hub) : IHttpCacheCoordinator
    {
        public bool BackplaneEnabled => hub.Backplane;

        public bool CollapseAcrossInstances => hub.CollapseAcrossInstances;

        public TimeSpan LeaseWait => hub.LeaseWait;

        public ValueTask PublishAsync(string message, CancellationToken cancellationToken)
        {
            hub.Publish(message);
            return ValueTask.CompletedTask;
        }

        public IDisposable Subscribe(Action<string> onMessage)
        {
            lock (hub._gate)
            {
                hub._subscribers.Add(onMessage);
            }

            return new Unsubscriber(hub, onMessage);
        }

        public async ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref hub._beforeNextLeaseAttempt, null) is { } before)
            {
                await before();
            }

            Interlocked.Increment(ref hub._leaseAttempts);
            if (hub.FailLeases)
            {
                throw new InvalidOperationException("The store is down.");
            }

            lock (hub._gate)
            {
                var now = hub.Time.GetUtcNow();
                if (!hub._leases.TryGetValue(key, out var held) || held.Until <= now)
                {
                    var lease = new Lease(hub, key);
                    hub._leases[key] = (lease, now + hub.LeaseDuration);
                    return lease;
                }
            }

            hub.LeaseHeld?.Invoke(this, key);
            return null;
        }
    }

    private sealed class Lease(FakeCoordinationHub hub, string key) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (hub._gate)
            {
                // Compare and delete: a lease that expired and went to another holder is left alone.
                if (hub._leases.TryGetValue(key, out var held) && ReferenceEquals(held.Holder, this))
                {
                    hub._leases.Remove(key);
                }
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class Unsubscriber(FakeCoordinationHub hub, Action<string> onMessage) : IDisposable
    {
        public void Dispose()
        {
            lock (hub._gate)
            {
                hub._subscribers.Remove(onMessage);
            }
        }
    }
}
