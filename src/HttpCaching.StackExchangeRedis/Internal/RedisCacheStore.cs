using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// An <see cref="IDistributedCache"/> (and <see cref="IBufferDistributedCache"/>) in Redis: Microsoft's
/// <see cref="RedisCache"/> on the store's one <see cref="RedisStoreConnection"/>, with every key prefixed by
/// <see cref="RedisHttpCacheOptions.KeyPrefix"/>.
/// </summary>
/// <remarks>
/// <para>
/// What this adds to <see cref="RedisCache"/>: asynchronous reads and refreshes made here on the same multiplexer, in
/// RedisCache's layout, one round trip each (see <see cref="ReadAndSlideAsync"/>); failures leave as <see cref="RedisStoreException"/>s whose messages name
/// the key only by its hash (StackExchange.Redis's exceptions carry keys, and the caching handler logs what a store
/// throws); a refused key or command is logged once as an error, since it will not fix itself; and writes of values go
/// through <see cref="MemoryPolicyGuard"/>, which keeps them from a Redis that cannot evict.
/// </para>
/// <para>
/// Expiry is Redis's: keys carry a TTL, judged by the server's clock (RedisCache has no <see cref="TimeProvider"/>);
/// the application's <see cref="TimeProvider"/> only paces the renewals of sliding expirations (<see cref="RefreshInterval"/>).
/// Cancellation is checked before a call is sent; StackExchange.Redis does not cancel a command once sent, so a call is
/// bounded by its <c>asyncTimeout</c> (5 seconds by default) and, in the caching handler, by the client's StoreTimeout.
/// </para>
/// </remarks>
internal sealed class RedisCacheStore : IBufferDistributedCache, IDisposable
{
    private readonly IBufferDistributedCache _cache;
    private readonly RedisStoreConnection _connection;
    private readonly MemoryPolicyGuard _guard;
    private readonly ILogger _logger;
    private readonly string _store;
    private readonly string _keyPattern;
    private int _keysDeniedLogged;
    private int _commandDeniedLogged;
    private int _credentialsDeniedLogged;

    /// <summary>RedisCache's value for an expiration field that is not set.</summary>
    private const long NotPresent = -1;

    /// <summary>
    /// How often one key's sliding expiration is renewed at most. Redis's LRU clock counts whole seconds, so renewing
    /// more often tells its eviction nothing; the TTL a key is left with is at most this much short of its window.
    /// </summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>The most keys whose last renewal is remembered; past it the memory is cleared and starts again.</summary>
    private const int MaxRemembered = 16 * 1024;

    private static readonly RedisValue[] Metadata = ["absexp", "sldexp"];
    private static readonly RedisValue[] MetadataAndData = ["absexp", "sldexp", "data"];

    private readonly string _instanceName;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, long> _renewed = new(StringComparer.Ordinal);

    // RedisCache's own logger is left out (it would log only a server-version fallback). The RedisCache is never
    // disposed: it holds nothing of its own to release but a semaphore, and its Dispose would close the shared
    // multiplexer, which the RedisStoreConnection singleton owns.
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "See above: the multiplexer is the connection's to close.")]
    public RedisCacheStore(string name, RedisHttpCacheOptions options, RedisStoreConnection connection, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        _time = time ?? TimeProvider.System;
        _connection = connection;
        _store = StoreName.ForLog(name);
        _logger = loggerFactory.CreateLogger(RedisHttpCacheDiagnostics.LoggerCategory);
        _instanceName = options.KeyPrefix;
        _keyPattern = options.KeyPrefix.Length > 0 ? $"~{options.KeyPrefix}*" : "~httpcaching:*, or each client's KeyPrefix";
        _cache = new RedisCache(
            Options.Create(new RedisCacheOptions
            {
                InstanceName = options.KeyPrefix,
                ConnectionMultiplexerFactory = connection.GetAsync,
            }));
        _guard = new MemoryPolicyGuard(_store, connection, options.AllowNoEviction, _logger);
        connection.Restored += OnRestored;
    }

    /// <summary>The store's connection, for whatever else coordinates through the same Redis.</summary>
    internal RedisStoreConnection Connection => _connection;

    /// <inheritdoc/>
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        try
        {
            return _cache.Get(key);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "get", key);
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        try
        {
            var data = await ReadAndSlideAsync(key, withData: true, token).ConfigureAwait(false);
            return data.IsNull ? null : (byte[]?)data;
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "get", key);
        }
    }

    /// <inheritdoc/>
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        Started();
        try
        {
            return _cache.TryGet(key, destination);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "get", key);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        Started();
        try
        {
            var data = await ReadAndSlideAsync(key, withData: true, token).ConfigureAwait(false);
            if (data.IsNull)
            {
                return false;
            }

            destination.Write(((ReadOnlyMemory<byte>)data).Span);
            return true;
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "get", key);
        }
    }

    /// <inheritdoc/>
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(key, new ReadOnlySequence<byte>(value), options);
    }

    /// <inheritdoc/>
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    /// <inheritdoc/>
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        _guard.EnsureWritable(key);
        _renewed.TryRemove(key, out _);
        try
        {
            _cache.Set(key, value, options);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "set", key);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        await _guard.EnsureWritableAsync(key, token).ConfigureAwait(false);
        _renewed.TryRemove(key, out _);
        try
        {
            await _cache.SetAsync(key, value, options, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "set", key);
        }
    }

    /// <inheritdoc/>
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        try
        {
            _cache.Refresh(key);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "refresh", key);
        }
    }

    /// <inheritdoc/>
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        if (RenewedRecently(key))
        {
            return;
        }

        try
        {
            _ = await ReadAndSlideAsync(key, withData: false, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "refresh", key);
        }
    }

    /// <inheritdoc/>
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        try
        {
            _renewed.TryRemove(key, out _);
            _cache.Remove(key);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "remove", key);
        }
    }

    /// <inheritdoc/>
    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        Started();
        try
        {
            _renewed.TryRemove(key, out _);
            await _cache.RemoveAsync(key, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!RedisErrors.PassesThrough(ex))
        {
            throw Failed(ex, "remove", key);
        }
    }

    public void Dispose() => _connection.Restored -= OnRestored;

    /// <summary>
    /// Whether <paramref name="key"/>'s expiration was renewed less than <see cref="RefreshInterval"/> ago; if not, it
    /// counts as renewed now. A write or removal of the key forgets it.
    /// </summary>
    private bool RenewedRecently(string key)
    {
        var now = _time.GetTimestamp();
        if (_renewed.TryGetValue(key, out var last) && _time.GetElapsedTime(last, now) < RefreshInterval)
        {
            return true;
        }

        if (_renewed.Count >= MaxRemembered)
        {
            _renewed.Clear();
        }

        _renewed[key] = now;
        return false;
    }

    /// <summary>
    /// Reads RedisCache's hash for <paramref name="key"/> (<c>absexp</c>, <c>sldexp</c> and, with
    /// <paramref name="withData"/>, <c>data</c>) in one <c>HMGET</c>, and renews a sliding expiration as
    /// <see cref="RedisCache"/> does, but with the <c>PEXPIRE</c> sent fire-and-forget (the caller waits for one round
    /// trip, not two), and at most once per <see cref="RefreshInterval"/> for one key (a read checks that here; a refresh
    /// before calling). The layout and the TTL are RedisCache's, so entries written by either stay readable by both.
    /// </summary>
    /// <returns>The <c>data</c> field, or a null value when the key is missing (or <paramref name="withData"/> is false).</returns>
    private async Task<RedisValue> ReadAndSlideAsync(string key, bool withData, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        var database = (await _connection.GetAsync().ConfigureAwait(false)).GetDatabase();
        var redisKey = new RedisKey(_instanceName + key);
        token.ThrowIfCancellationRequested();
        var fields = await database.HashGetAsync(redisKey, withData ? MetadataAndData : Metadata).ConfigureAwait(false);

        // A missing field is no expiration: RedisValue.Null parses as 0, which made a missing key's renewal a PEXPIRE into
        // the past. Sent after the read's answer, that removed whatever another instance wrote under the key meanwhile
        // (the URL a waiting instance polls for, stored just then by the one that fetched it).
        if (!fields[1].IsNull && fields[1].TryParse(out long sliding) && sliding != NotPresent && (!withData || !RenewedRecently(key)))
        {
            // RedisCache's rule: the sliding window, but never past the absolute expiration. Both are wall-clock
            // instants on the server's TTL, as RedisCache computes them (it has no TimeProvider either).
            var expiry = TimeSpan.FromTicks(sliding);
            if (!fields[0].IsNull && fields[0].TryParse(out long absolute) && absolute != NotPresent)
            {
                var remaining = new DateTimeOffset(absolute, TimeSpan.Zero) - TimeProvider.System.GetUtcNow();
                expiry = remaining < expiry ? remaining : expiry;
            }

            _ = database.KeyExpireAsync(redisKey, expiry, CommandFlags.FireAndForget);
        }

        return withData ? fields[2] : RedisValue.Null;
    }

    /// <summary>The first use of the store starts the memory-policy check, so its verdict is logged even before a write.</summary>
    private void Started() => _ = _guard.Current();

    private void OnRestored() => _guard.Recheck();

    private RedisStoreException Failed(Exception exception, string operation, string key)
    {
        var failure = RedisErrors.Sanitise(exception, operation, key);
        if (failure.Failure == RedisStoreFailure.PermissionDenied)
        {
            LogRefusalOnce(exception);
        }

        return failure;
    }

    private void LogRefusalOnce(Exception exception)
    {
        var reason = RedisErrors.Describe(exception).Reason;
        var text = exception.Message;
        if (text.StartsWith("NOPERM", StringComparison.Ordinal) && text.Contains("key", StringComparison.OrdinalIgnoreCase))
        {
            if (Interlocked.Exchange(ref _keysDeniedLogged, 1) == 0)
            {
                Log.PermissionDenied(_logger, _store, "the store's keys", _connection.User, reason, _keyPattern);
            }
        }
        else if (text.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            if (Interlocked.Exchange(ref _commandDeniedLogged, 1) == 0)
            {
                Log.PermissionDenied(_logger, _store, "a command the store needs", _connection.User, reason, _keyPattern);
            }
        }
        else if (Interlocked.Exchange(ref _credentialsDeniedLogged, 1) == 0)
        {
            Log.PermissionDenied(_logger, _store, "the credentials", _connection.User, reason, _keyPattern);
        }
    }
}
