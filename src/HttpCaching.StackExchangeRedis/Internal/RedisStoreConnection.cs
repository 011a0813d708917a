using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// The one <see cref="IConnectionMultiplexer"/> of a store, a singleton per store: the store's <c>RedisCache</c> uses it,
/// and so can anything else that coordinates through the same Redis (the multiplexer is thread-safe and meant to be
/// shared). It connects on first use, in the background (<c>abortConnect=false</c>), logs connection failures and
/// restorations without any exception text, and tells <see cref="Restored"/> when the interactive connection is back.
/// Disposed with the service provider.
/// </summary>
internal sealed class RedisStoreConnection : IAsyncDisposable, IDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly string _store;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(string Endpoint, ConnectionType Type), bool> _failing = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private ConnectionMultiplexer? _multiplexer;
    private bool _disposed;

    public RedisStoreConnection(string name, RedisHttpCacheOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = StoreName.ForLog(name);
        _configuration = RedisConnectionConfiguration.Create(options);
        _logger = loggerFactory.CreateLogger(RedisHttpCacheDiagnostics.LoggerCategory);
        User = _configuration.User ?? "default";
    }

    /// <summary>Raised when the interactive connection to a server is restored after a failure.</summary>
    public event Action? Restored;

    /// <summary>Raised with the endpoint when the subscription (pub/sub) connection to a server fails.</summary>
    public event Action<string>? SubscriptionFailed;

    /// <summary>Raised with the endpoint when the subscription (pub/sub) connection to a server is restored.</summary>
    public event Action<string>? SubscriptionRestored;

    /// <summary>The ACL user the connection authenticates as, for messages.</summary>
    public string User { get; }

    /// <summary>The multiplexer, once connected; <see langword="null"/> before the first use.</summary>
    public IConnectionMultiplexer? Current => Volatile.Read(ref _multiplexer);

    /// <summary>
    /// The multiplexer, connecting it on the first call. A connection attempt that threw (a configuration the server
    /// rejects outright) is tried again by the next call; one that did not reach the server is not: the multiplexer
    /// keeps reconnecting by itself.
    /// </summary>
    public Task<IConnectionMultiplexer> GetAsync()
    {
        var connecting = Volatile.Read(ref _connecting);
        if (connecting is not null && !connecting.IsFaulted && !connecting.IsCanceled)
        {
            return connecting;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync();
            }

            return _connecting;
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;

        // A first connection that failed raised its events before there was anyone to hear them.
        foreach (var server in multiplexer.GetServers())
        {
            if (!server.IsConnected)
            {
                var endpoint = Endpoint(server.EndPoint);
                _failing.TryAdd((endpoint, ConnectionType.Interactive), true);
                Log.ConnectionFailed(_logger, LogLevel.Warning, _store, "interactive", endpoint, "the first connection did not succeed");
            }
        }

        lock (_gate)
        {
            if (_disposed)
            {
                multiplexer.Dispose();
                throw new ObjectDisposedException(nameof(RedisStoreConnection));
            }

            Volatile.Write(ref _multiplexer, multiplexer);
        }

        return multiplexer;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The exception of the event is not logged: its message can carry the keys of commands in flight.
        var endpoint = Endpoint(e.EndPoint);
        var level = _failing.TryAdd((endpoint, e.ConnectionType), true) ? LogLevel.Warning : LogLevel.Debug;
        if (_logger.IsEnabled(level))
        {
            var type = Describe(e.ConnectionType);
            var failure = e.FailureType.ToString();
            Log.ConnectionFailed(_logger, level, _store, type, endpoint, failure);
        }

        if (e.ConnectionType == ConnectionType.Subscription)
        {
            SubscriptionFailed?.Invoke(endpoint);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        var endpoint = Endpoint(e.EndPoint);
        _failing.TryRemove((endpoint, e.ConnectionType), out _);
        var type = Describe(e.ConnectionType);
        Log.ConnectionRestored(_logger, _store, type, endpoint);
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            Restored?.Invoke();
        }
        else if (e.ConnectionType == ConnectionType.Subscription)
        {
            SubscriptionRestored?.Invoke(endpoint);
        }
    }

    public static string Endpoint(System.Net.EndPoint? endpoint) =>
        endpoint is null ? "(unknown)" : EndPointCollection.ToString(endpoint);

    private static string Describe(ConnectionType type) => type switch
    {
        ConnectionType.Interactive => "interactive",
        ConnectionType.Subscription => "subscription",
        _ => type.ToString(),
    };

    public void Dispose() => Detach()?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (Detach() is { } multiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Marks the connection disposed, once, and unhooks the multiplexer, which the caller then disposes.</summary>
    private ConnectionMultiplexer? Detach()
    {
        ConnectionMultiplexer? multiplexer;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            multiplexer = _multiplexer;
        }

        if (multiplexer is not null)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
        }

        return multiplexer;
    }
}
