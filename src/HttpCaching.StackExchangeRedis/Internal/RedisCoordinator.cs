using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// The <see cref="IHttpCacheCoordinator"/> of a Redis store, on the store's one multiplexer
/// (<see cref="RedisStoreConnection"/>): the backplane is pub/sub on one channel, <c>{KeyPrefix}httpcaching:backplane</c>;
/// a lease is <c>SET {KeyPrefix}{key} {token} NX PX {LeaseDuration}</c>, released by a script that deletes it only while
/// it still holds this holder's token.
/// </summary>
/// <remarks>
/// StackExchange.Redis subscribes again by itself whenever the subscription connection comes back; a subscription that
/// cannot even be made (no connection yet) is retried here, with a growing delay on the application's clock. Messages
/// lost meanwhile cost the other instances at most their near-cache window. Failures leave as
/// <see cref="RedisStoreException"/>s that name keys only by their hash.
/// </remarks>
internal sealed class RedisCoordinator : IHttpCacheCoordinator, IAsyncDisposable, IDisposable
{
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    private readonly RedisStoreConnection _connection;
    private readonly RedisChannel _channel;
    private readonly string _keyPrefix;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _store;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private Action<string>[] _handlers = [];
    private Task? _subscribing;
    private int _interrupted;

    public RedisCoordinator(string name, RedisHttpCacheOptions options, RedisStoreConnection connection, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _connection = connection;
        _time = time;
        _keyPrefix = options.KeyPrefix;
        _leaseDuration = options.LeaseDuration;
        _channel = RedisChannel.Literal(options.KeyPrefix + "httpcaching:backplane");
        _store = StoreName.ForLog(name);
        _logger = loggerFactory.CreateLogger(RedisHttpCacheDiagnostics.LoggerCategory);
        BackplaneEnabled = options.Backplane;
        CollapseAcrossInstances = options.CollapseAcrossInstances;
        LeaseWait = options.LeaseWait;
        _onMessage = (_, value) => Deliver(value);
    }

    /// <inheritdoc/>
    public bool BackplaneEnabled { get; }

    /// <inheritdoc/>
    public bool CollapseAcrossInstances { get; }

    /// <inheritdoc/>
    public TimeSpan LeaseWait { get; }

    /// <inheritdoc/>
    public async ValueTask PublishAsync(string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var multiplexer = await _connection.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One round trip nobody waits for: a message that does not arrive costs at most a near-cache window.
            await multiplexer.GetSubscriber().PublishAsync(_channel, message, CommandFlags.FireAndForget).ConfigureAwait(false);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw RedisErrors.Sanitise(ex, "publish", string.Empty);
        }
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<string> onMessage)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            _handlers = [.. _handlers, onMessage];
            if (_subscribing is null)
            {
                _connection.SubscriptionFailed += OnSubscriptionFailed;
                _connection.SubscriptionRestored += OnSubscriptionRestored;
                _subscribing = SubscribeAsync();
            }
        }

        return new Subscription(this, onMessage);
    }

    /// <inheritdoc/>
    public async ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var multiplexer = await _connection.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var redisKey = new RedisKey(_keyPrefix + key);
        var token = Guid.NewGuid().ToString("N");
        try
        {
            var taken = await multiplexer.GetDatabase().StringSetAsync(redisKey, token, _leaseDuration, When.NotExists).ConfigureAwait(false);
            return taken ? new Lease(this, redisKey, token) : null;
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw RedisErrors.Sanitise(ex, "lease", key);
        }
    }

    /// <summary>Stops the subscription without waiting for it (a container disposed synchronously).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposing.IsCancellationRequested)
            {
                _disposing.Cancel();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? subscribing;
        lock (_gate)
        {
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            _disposing.Cancel();
            subscribing = _subscribing;
            _connection.SubscriptionFailed -= OnSubscriptionFailed;
            _connection.SubscriptionRestored -= OnSubscriptionRestored;
        }

        if (subscribing is not null)
        {
            await subscribing.ConfigureAwait(false);
            if (_connection.Current is { } multiplexer)
            {
                try
                {
                    await multiplexer.GetSubscriber().UnsubscribeAsync(_channel, _onMessage, CommandFlags.FireAndForget).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
                {
                    // The connection is going too.
                }
            }
        }

        _disposing.Dispose();
    }

    /// <summary>
    /// Subscribes until it succeeds; after that StackExchange.Redis keeps the subscription across reconnections. A
    /// failed attempt is undone before the next, so the handler is never registered twice.
    /// </summary>
    private async Task SubscribeAsync()
    {
        var retry = FirstRetry;
        while (!_disposing.IsCancellationRequested)
        {
            ISubscriber? subscriber = null;
            try
            {
                var multiplexer = await _connection.GetAsync().ConfigureAwait(false);
                subscriber = multiplexer.GetSubscriber();
                await subscriber.SubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _interrupted, 0) == 1)
                {
                    Log.BackplaneRestored(_logger, _store, "subscribed");
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_disposing.IsCancellationRequested)
            {
                Interrupted("(subscribe)", RedisErrors.Describe(ex).Reason);
                try
                {
                    if (subscriber is not null)
                    {
                        await subscriber.UnsubscribeAsync(_channel, _onMessage, CommandFlags.FireAndForget).ConfigureAwait(false);
                    }
                }
                catch (Exception undo) when (undo is RedisException or ObjectDisposedException)
                {
                    // The local registration is gone before the command is sent; the server has none to drop.
                }
            }

            try
            {
                await Task.Delay(retry, _time, _disposing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retry = retry * 2 > LongestRetry ? LongestRetry : retry * 2;
        }
    }

    private void OnSubscriptionFailed(string endpoint) => Interrupted(endpoint, "the subscription connection failed");

    private void OnSubscriptionRestored(string endpoint)
    {
        if (Interlocked.Exchange(ref _interrupted, 0) == 1)
        {
            Log.BackplaneRestored(_logger, _store, endpoint);
        }
    }

    /// <summary>A warning for the first failure of an outage, Debug for the rest until it is restored.</summary>
    private void Interrupted(string endpoint, string reason)
    {
        var level = Interlocked.Exchange(ref _interrupted, 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
        if (_logger.IsEnabled(level))
        {
            Log.BackplaneInterrupted(_logger, level, _store, endpoint, reason);
        }
    }

    private void Deliver(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return;
        }

        var message = (string)value!;
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler(message);
        }
    }

    private void Unsubscribe(Action<string> onMessage)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != onMessage)];
        }
    }

    private async Task ReleaseAsync(RedisKey key, string token)
    {
        if (_connection.Current is not { } multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [key], [token]).ConfigureAwait(false);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            // Left to expire after LeaseDuration; the caller logs this.
            throw RedisErrors.Sanitise(ex, "lease release", key.ToString()!);
        }
    }

    private sealed class Lease(RedisCoordinator owner, RedisKey key, string token) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _released, 1) == 0 ? new ValueTask(owner.ReleaseAsync(key, token)) : ValueTask.CompletedTask;
    }

    private sealed class Subscription(RedisCoordinator owner, Action<string> onMessage) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(onMessage);
    }
}
