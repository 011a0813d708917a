using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The <see cref="IHttpCacheCoordinator"/> of a PostgreSQL store. The backplane is <c>NOTIFY</c> (<c>pg_notify</c>, one
/// statement on a pooled connection) and <c>LISTEN</c> on one dedicated connection, reconnected with a growing delay
/// (1 to 30 seconds, on the application's clock) and kept alive by a <c>SELECT 1</c> when idle. A lease is a row of the
/// cache table itself, under the lease's key, with an absolute expiry by the application's clock: taken by an insert
/// that only overwrites an expired row (one statement, atomic under concurrent takers), released by deleting the row
/// only while it holds this holder's token; the sweep removes leases that expired. No session lock ties a lease to a
/// pooled connection.
/// </summary>
internal sealed class PostgreSqlCoordinator : IHttpCacheCoordinator, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);

    private readonly PostgreSqlCacheStore? _store;
    private readonly TimeSpan _leaseDuration;
    private readonly string _channel;
    private readonly string _take;
    private readonly string _release;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposing = new();
    private Action<string>[] _handlers = [];
    private Task? _listening;
    private bool _interrupted;

    /// <param name="store">The store, or <see langword="null"/> when the application's cache is not this package's (both features off).</param>
    /// <param name="options">The store's options.</param>
    public PostgreSqlCoordinator(PostgreSqlCacheStore? store, PostgreSqlHttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        BackplaneEnabled = store is not null && options.Backplane;
        CollapseAcrossInstances = store is not null && options.CollapseAcrossInstances;
        LeaseWait = options.LeaseWait;
        _leaseDuration = options.LeaseDuration;

        // A channel is an identifier of at most 63 bytes; the table's names can be longer together, so they are hashed.
        var table = Encoding.UTF8.GetBytes(options.SchemaName + "." + options.TableName);
        _channel = "httpcaching_" + Convert.ToHexStringLower(SHA256.HashData(table).AsSpan(0, 12));
        var qualified = store?.Table.QualifiedTable ?? string.Empty;
        _take = $"""
            INSERT INTO {qualified} (key_hash, cache_key, value, expires_at, sliding_expiration, absolute_expiration, accessed_at, value_size)
            VALUES ($1, $2, $3, $4, NULL, $4, $5, octet_length($3))
            ON CONFLICT (key_hash) DO UPDATE SET
                cache_key = EXCLUDED.cache_key, value = EXCLUDED.value, expires_at = EXCLUDED.expires_at,
                sliding_expiration = NULL, absolute_expiration = EXCLUDED.absolute_expiration,
                accessed_at = EXCLUDED.accessed_at, value_size = EXCLUDED.value_size
            WHERE {qualified}.expires_at <= $5
            RETURNING 1
            """;
        _release = $"DELETE FROM {qualified} WHERE key_hash = $1 AND cache_key = $2 AND value = $3";
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
        if (_store is null)
        {
            return;
        }

        var command = _store.DataSource.CreateCommand("SELECT pg_notify($1, $2)");
        await using (command.ConfigureAwait(false))
        {
            command.CommandTimeout = _store.CommandTimeoutSeconds;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message, NpgsqlDbType = NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
            if (_listening is null && _store is not null)
            {
                _listening = ListenAsync(_store);
            }
        }

        return new Subscription(this, onMessage);
    }

    /// <inheritdoc/>
    public async ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new InvalidOperationException("The application's cache is not this PostgreSQL store.");
        var cacheKey = CacheKey.From(key);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var token = Guid.NewGuid().ToByteArray();
        var now = store.Time.GetUtcNow().UtcDateTime;
        var command = store.DataSource.CreateCommand(_take);
        await using (command.ConfigureAwait(false))
        {
            command.CommandTimeout = store.CommandTimeoutSeconds;
            AddKey(command, cacheKey);
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = token, NpgsqlDbType = NpgsqlDbType.Bytea });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now + _leaseDuration, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var taken = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return taken is null ? null : new Lease(this, store, cacheKey, token);
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
        Task? listening;
        lock (_gate)
        {
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            _disposing.Cancel();
            listening = _listening;
        }

        if (listening is not null)
        {
            await listening.ConfigureAwait(false);
        }

        _disposing.Dispose();
    }

    private static void AddKey(NpgsqlCommand command, CacheKey key)
    {
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Text, NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>
    /// Keeps one connection listening until disposed: on any failure it is dropped, the failure logged (a warning for
    /// the first of an outage, Debug after), and a new one opened after a growing delay.
    /// </summary>
    private async Task ListenAsync(PostgreSqlCacheStore store)
    {
        var token = _disposing.Token;
        var retry = FirstRetry;
        var table = store.Table;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var connection = await store.DataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }

                    if (_interrupted)
                    {
                        _interrupted = false;
                        PostgreSqlCacheStore.Log.BackplaneRestored(store.Logger, table.SchemaName, table.TableName);
                    }

                    retry = FirstRetry;
                    while (true)
                    {
                        if (!await connection.WaitAsync(KeepAlive, token).ConfigureAwait(false))
                        {
                            // Idle: make sure the connection is still there (a dead peer is otherwise found only by TCP).
                            var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = store.CommandTimeoutSeconds };
                            await using (ping.ConfigureAwait(false))
                            {
                                await ping.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
            {
                var level = _interrupted ? LogLevel.Debug : LogLevel.Warning;
                _interrupted = true;
                PostgreSqlCacheStore.Log.BackplaneInterrupted(store.Logger, level, table.SchemaName, table.TableName, retry, ex);
            }

            try
            {
                await Task.Delay(retry, store.Time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retry = retry * 2 > LongestRetry ? LongestRetry : retry * 2;
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (!string.Equals(e.Channel, _channel, StringComparison.Ordinal))
        {
            return;
        }

        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler(e.Payload);
        }
    }

    private void Unsubscribe(Action<string> onMessage)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != onMessage)];
        }
    }

    private async Task ReleaseAsync(PostgreSqlCacheStore store, CacheKey key, byte[] token)
    {
        var command = store.DataSource.CreateCommand(_release);
        await using (command.ConfigureAwait(false))
        {
            command.CommandTimeout = store.CommandTimeoutSeconds;
            AddKey(command, key);
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = token, NpgsqlDbType = NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private sealed class Lease(PostgreSqlCoordinator owner, PostgreSqlCacheStore store, CacheKey key, byte[] token) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _released, 1) == 0 ? new ValueTask(owner.ReleaseAsync(store, key, token)) : ValueTask.CompletedTask;
    }

    private sealed class Subscription(PostgreSqlCoordinator owner, Action<string> onMessage) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(onMessage);
    }
}
