using System.Buffers;
using System.Data;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// An <see cref="IDistributedCache"/> (and <see cref="IBufferDistributedCache"/>) in one PostgreSQL table, through a
/// pooled <see cref="NpgsqlDataSource"/> of its own.
/// </summary>
/// <remarks>
/// <para>
/// The table is created or migrated on the first operation (<see cref="SchemaMigrator"/>); a failure there fails that
/// operation, and the next one tries again. Expiry is judged by the application's <see cref="TimeProvider"/>, passed
/// to every statement, never by the server's clock. A timer from the same <see cref="TimeProvider"/> sweeps the table
/// once it exists: it deletes expired rows in batches, then, over <see cref="PostgreSqlHttpCacheOptions.MaxSize"/> or
/// <see cref="PostgreSqlHttpCacheOptions.MaxRows"/>, evicts the least recently used rows in batches.
/// </para>
/// <para>
/// Errors are not swallowed: they surface as <see cref="NpgsqlException"/> (or <see cref="OperationCanceledException"/>
/// when the caller's token is cancelled), and every command is bounded by
/// <see cref="PostgreSqlHttpCacheOptions.CommandTimeout"/>. The synchronous members use Npgsql's synchronous I/O.
/// </para>
/// </remarks>
internal sealed partial class PostgreSqlCacheStore : IBufferDistributedCache, IDisposable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly CacheTable _table;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _commandTimeoutSeconds;
    private readonly int _deleteBatchSize;
    private readonly TimeSpan _defaultSlidingExpiration;
    private readonly long? _maxSize;
    private readonly int? _maxRows;
    private readonly int _maxValueSize;
    private readonly Lock _valueTooLargeGate = new();
    private long _valueTooLargeNextLog;
    private int _valueTooLargeSuppressed;
    private readonly PostgreSqlCacheMetrics _metrics;
    private readonly string _metricsTable;
    private readonly SemaphoreSlim _migrationLock = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly ITimer? _sweepTimer;
    private volatile bool _migrated;
    private int _sweeping;
    private Task _sweep = Task.CompletedTask;
    private int _disposed;

    public PostgreSqlCacheStore(string name, PostgreSqlHttpCacheOptions options, TimeProvider time, ILoggerFactory loggerFactory, PostgreSqlCacheMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(metrics);

        _table = new CacheTable(options.SchemaName, options.TableName);
        _time = time;
        _logger = loggerFactory.CreateLogger<PostgreSqlCacheStore>();
        _commandTimeoutSeconds = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        _deleteBatchSize = options.DeleteBatchSize;
        _defaultSlidingExpiration = options.DefaultSlidingExpiration;
        _maxSize = options.MaxSize;
        _maxRows = options.MaxRows;
        _maxValueSize = options.MaxValueSize;
        _metrics = metrics;
        _metricsTable = options.SchemaName + "." + options.TableName;

        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString)
        {
            Name = name.Length == 0 ? "httpcaching" : "httpcaching-" + name,
        };
        ApplyConnectionDefaults(builder.ConnectionStringBuilder, options.ConnectionString!);
        builder.UseLoggerFactory(loggerFactory);
        options.ConfigureDataSource?.Invoke(builder);
        _dataSource = builder.Build();

        if (options.ExpiredItemsDeletionInterval != Timeout.InfiniteTimeSpan)
        {
            _sweepTimer = time.CreateTimer(
                static state => ((PostgreSqlCacheStore)state!).StartSweep(),
                this,
                options.ExpiredItemsDeletionInterval,
                options.ExpiredItemsDeletionInterval);
        }
    }

    /// <summary>
    /// The connection settings the store chooses for itself, each unless <paramref name="connectionString"/> sets it:
    /// its application name, prepared statements and no wait for a cancellation's answer.
    /// </summary>
    internal static void ApplyConnectionDefaults(NpgsqlConnectionStringBuilder settings, string connectionString)
    {
        settings.ApplicationName ??= "HttpCaching";

        // The store runs the same few statements all the time: prepare them, unless the connection string says
        // otherwise (Max Auto Prepare=0 for poolers that cannot hold prepared statements).
        if (!Sets(connectionString, "MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = 16;
            settings.AutoPrepareMinUsages = 2;
        }

        // When a command is cancelled (the caller's store timeout) or times out, Npgsql asks the server to cancel it and
        // by default waits up to 2 s for the answer, synchronously, on a thread-pool thread. A server that hangs (stopped,
        // or a network that drops packets) never answers, so every timed-out call held a thread that long and the whole
        // process stalled, hits from memory included (measured: requests of 1 to 5 s against a StoreTimeout of 250 ms).
        // The cache never needs that answer: the connection is dropped instead, unless the connection string says otherwise.
        if (!Sets(connectionString, "CancellationTimeout"))
        {
            settings.CancellationTimeout = -1;
        }
    }

    /// <summary>
    /// Whether the connection string itself sets <paramref name="keyword"/> (given without spaces), in any of its
    /// spellings (<c>Max Auto Prepare</c>, <c>maxautoprepare</c>).
    /// </summary>
    internal static bool Sets(string connectionString, string keyword)
    {
        var raw = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in raw.Keys)
        {
            if (key.Replace(" ", string.Empty, StringComparison.Ordinal).Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The table this store uses; the coordinator's leases are rows of it.</summary>
    internal CacheTable Table => _table;

    /// <summary>The store's pooled data source, which its coordinator (backplane and leases) shares.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>The application's clock, which the store judges expiry by (and so its coordinator, leases).</summary>
    internal TimeProvider Time => _time;

    /// <summary><see cref="PostgreSqlHttpCacheOptions.CommandTimeout"/> in whole seconds.</summary>
    internal int CommandTimeoutSeconds => _commandTimeoutSeconds;

    /// <summary>The store's logger, under which its coordinator logs too.</summary>
    internal ILogger Logger => _logger;

    /// <summary>Creates or migrates the table unless that is done; for the coordinator's leases, which are rows of it.</summary>
    internal Task MigrateAsync(CancellationToken cancellationToken) => EnsureMigratedAsync(async: true, cancellationToken);

    /// <summary>The sweep started last by the timer, or a completed task; disposal waits for it.</summary>
    internal Task CurrentSweep => Volatile.Read(ref _sweep);

    /// <inheritdoc/>
    public byte[]? Get(string key) => GetCoreAsync(CacheKey.From(key), async: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => GetCoreAsync(CacheKey.From(key), async: true, token);

    /// <inheritdoc/>
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return TryGetCoreAsync(CacheKey.From(key), destination, async: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        var cacheKey = CacheKey.From(key);
        ArgumentNullException.ThrowIfNull(destination);
        return await TryGetCoreAsync(cacheKey, destination, async: true, token).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        var cacheKey = CacheKey.From(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        SetCoreAsync(cacheKey, new ReadOnlySequence<byte>(value), options, async: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var cacheKey = CacheKey.From(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        return SetCoreAsync(cacheKey, new ReadOnlySequence<byte>(value), options, async: true, token);
    }

    /// <inheritdoc/>
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        var cacheKey = CacheKey.From(key);
        ArgumentNullException.ThrowIfNull(options);
        SetCoreAsync(cacheKey, value, options, async: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var cacheKey = CacheKey.From(key);
        ArgumentNullException.ThrowIfNull(options);
        return new ValueTask(SetCoreAsync(cacheKey, value, options, async: true, token));
    }

    /// <inheritdoc/>
    public void Refresh(string key) =>
        ExecuteKeyCommandAsync(_table.Refresh, CacheKey.From(key), withTime: true, async: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public Task RefreshAsync(string key, CancellationToken token = default) =>
        ExecuteKeyCommandAsync(_table.Refresh, CacheKey.From(key), withTime: true, async: true, token);

    /// <inheritdoc/>
    public void Remove(string key) =>
        ExecuteKeyCommandAsync(_table.Remove, CacheKey.From(key), withTime: false, async: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public Task RemoveAsync(string key, CancellationToken token = default) =>
        ExecuteKeyCommandAsync(_table.Remove, CacheKey.From(key), withTime: false, async: true, token);

    /// <summary>
    /// Sweeps the table once: deletes the rows that expired by the application's clock, in batches of the configured
    /// size, until a batch comes back short; then measures the table and, when it is over a bound, evicts the least
    /// recently used rows in batches until it is at most 90% of that bound. The timer calls this; tests call it
    /// directly.
    /// </summary>
    /// <remarks>
    /// The headroom means a table that stays near its bound is evicted from about once per 10% of the bound written,
    /// not on every sweep. Every statement is short: the batches go through indexes, and the measurement reads the
    /// narrow (accessed_at, value_size) index rather than the rows.
    /// </remarks>
    internal async Task<SweepResult> DeleteExpiredItemsAsync(CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(async: true, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        long deleted = 0;
        var batches = 0;
        int count;
        do
        {
            var command = CreateCommand(_table.DeleteExpired);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(TimeParameter(now));
                command.Parameters.Add(BatchSizeParameter());
                count = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            deleted += count;
            batches++;
            _metrics.SweepBatch(_metricsTable, PostgreSqlHttpCacheDiagnostics.SweepReasonExpired, count);
        }
        while (count >= _deleteBatchSize && !cancellationToken.IsCancellationRequested);

        if (deleted > 0)
        {
            Log.ExpiredItemsDeleted(_logger, _table.SchemaName, _table.TableName, deleted, batches);
        }

        var (rows, bytes) = await ReadPairAsync(CreateCommand(_table.MeasureSize), cancellationToken).ConfigureAwait(false);
        _metrics.Size(_metricsTable, rows, bytes);

        var eviction = await EvictAsync(rows, bytes, cancellationToken).ConfigureAwait(false);
        if (eviction.Rows > 0)
        {
            Log.Evicted(_logger, _table.SchemaName, _table.TableName, rows, bytes, _maxSize, _maxRows, eviction.Rows, eviction.Bytes, eviction.Batches);
            rows -= eviction.Rows;
            bytes -= eviction.Bytes;
            _metrics.Size(_metricsTable, rows, bytes);
        }

        return new SweepResult(deleted, batches, eviction.Rows, eviction.Bytes, eviction.Batches, rows, bytes);
    }

    /// <summary>
    /// Evicts the least recently used rows when the measured <paramref name="rows"/> or <paramref name="bytes"/> are
    /// over their bound, down to 90% of each bound they are over.
    /// </summary>
    private async Task<(long Rows, long Bytes, int Batches)> EvictAsync(long rows, long bytes, CancellationToken cancellationToken)
    {
        // The cutoff is the last use of the newest row that does not fit; it and every row used no later go.
        DateTime? cutoff = null;
        if (_maxSize is { } maxSize && bytes > maxSize)
        {
            var command = CreateCommand(_table.SizeCutoff);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxSize - (maxSize / 10), NpgsqlDbType = NpgsqlDbType.Bigint });

            // No row fits past the target only when what pushes the table over is rows from before schema version 2,
            // last used at -infinity: all of those go.
            cutoff = await ReadCutoffAsync(command, cancellationToken).ConfigureAwait(false) ?? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
        }

        if (_maxRows is { } maxRows && rows > maxRows)
        {
            var command = CreateCommand(_table.RowsCutoff);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxRows - (maxRows / 10), NpgsqlDbType = NpgsqlDbType.Bigint });
            var byRows = await ReadCutoffAsync(command, cancellationToken).ConfigureAwait(false);
            if (cutoff is null || byRows > cutoff)
            {
                cutoff = byRows;
            }
        }

        if (cutoff is not { } last)
        {
            return default;
        }

        // Rows written after the cutoff was taken are used later than it, so the batches end; the cap only guards
        // against a clock that went backwards, or an older release still writing rows at -infinity during a rollout.
        var maxBatches = (int)Math.Min(int.MaxValue - 1, rows / _deleteBatchSize) + 1;
        long evicted = 0;
        long evictedBytes = 0;
        var batches = 0;
        long count;
        do
        {
            var command = CreateCommand(_table.Evict);
            command.Parameters.Add(TimeParameter(last));
            command.Parameters.Add(BatchSizeParameter());
            (count, var freed) = await ReadPairAsync(command, cancellationToken).ConfigureAwait(false);
            evicted += count;
            evictedBytes += freed;
            batches++;
            _metrics.SweepBatch(_metricsTable, PostgreSqlHttpCacheDiagnostics.SweepReasonSize, count);
        }
        while (count >= _deleteBatchSize && batches < maxBatches && !cancellationToken.IsCancellationRequested);

        return (evicted, evictedBytes, batches);
    }

    /// <summary>Runs and disposes <paramref name="command"/>, which returns one row of two numbers.</summary>
    private static async Task<(long First, long Second)> ReadPairAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                _ = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return (reader.GetInt64(0), reader.GetInt64(1));
            }
        }
    }

    /// <summary>Runs and disposes <paramref name="command"/>, which returns a last use or no row.</summary>
    private static async Task<DateTime?> ReadCutoffAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return result is DateTime cutoff ? DateTime.SpecifyKind(cutoff, DateTimeKind.Utc) : null;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _disposing.Cancel();
            _sweepTimer?.Dispose();
            _metrics.Forget(_metricsTable);
            _dataSource.Dispose();
            _migrationLock.Dispose();
            _disposing.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _disposing.CancelAsync().ConfigureAwait(false);
            if (_sweepTimer is not null)
            {
                await _sweepTimer.DisposeAsync().ConfigureAwait(false);
            }

            // The sweep logs its own failures and never throws; a cancelled one ends quickly.
            await CurrentSweep.ConfigureAwait(false);
            _metrics.Forget(_metricsTable);
            await _dataSource.DisposeAsync().ConfigureAwait(false);
            _migrationLock.Dispose();
            _disposing.Dispose();
        }
    }

    private async Task<byte[]?> GetCoreAsync(CacheKey key, bool async, CancellationToken cancellationToken)
    {
        // The same read as TryGet, into an array of exactly the value's length.
        var value = new ExactArrayWriter();
        return await TryGetCoreAsync(key, value, async, cancellationToken).ConfigureAwait(false) ? value.Array : null;
    }

    private async Task<bool> TryGetCoreAsync(CacheKey key, IBufferWriter<byte> destination, bool async, CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(async, cancellationToken).ConfigureAwait(false);
        bool slides;
        var command = CreateKeyCommand(_table.Get, key, withTime: true);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _maxValueSize, NpgsqlDbType = NpgsqlDbType.Integer });
        await using (command.ConfigureAwait(false))
        {
            var reader = async
                ? await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false)
                : command.ExecuteReader(CommandBehavior.SequentialAccess);
            await using (reader.ConfigureAwait(false))
            {
                if (!(async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read()))
                {
                    return false;
                }

                slides = reader.GetBoolean(0);
                var remaining = reader.GetInt32(1);
                if (remaining > _maxValueSize)
                {
                    // Never written by this store: the server did not send it, and it is not allocated here.
                    ValueTooLarge(remaining);
                    return false;
                }

                var stream = async
                    ? await reader.GetStreamAsync(2, cancellationToken).ConfigureAwait(false)
                    : reader.GetStream(2);
                await using (stream.ConfigureAwait(false))
                {
                    // The whole length is asked for once: an ArrayBufferWriter then holds the value in a single array.
                    while (remaining > 0)
                    {
                        var memory = destination.GetMemory(remaining);
                        var chunk = memory[..Math.Min(memory.Length, remaining)];
                        var read = async
                            ? await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)
                            : stream.Read(chunk.Span);
                        if (read == 0)
                        {
                            throw new EndOfStreamException("The cache value ended before its length.");
                        }

                        destination.Advance(read);
                        remaining -= read;
                    }
                }
            }
        }

        await SlideAsync(key, slides, async, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Logs a row over <see cref="PostgreSqlHttpCacheOptions.MaxValueSize"/>, at most once a minute.</summary>
    private void ValueTooLarge(int size)
    {
        var now = _time.GetUtcNow().UtcTicks;
        int suppressed;
        lock (_valueTooLargeGate)
        {
            if (now < _valueTooLargeNextLog)
            {
                _valueTooLargeSuppressed++;
                return;
            }

            (suppressed, _valueTooLargeSuppressed) = (_valueTooLargeSuppressed, 0);
            _valueTooLargeNextLog = now + TimeSpan.TicksPerMinute;
        }

        Log.ValueTooLarge(_logger, _table.SchemaName, _table.TableName, size, _maxValueSize, suppressed);
    }

    /// <summary>Moves a sliding row's end of life after a read, when the read said it should move.</summary>
    private Task SlideAsync(CacheKey key, bool slides, bool async, CancellationToken cancellationToken) =>
        slides ? ExecuteKeyCommandAsync(_table.Refresh, key, withTime: true, async, cancellationToken) : Task.CompletedTask;

    private async Task SetCoreAsync(CacheKey key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, bool async, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (EntryLifetime.From(now, options, _defaultSlidingExpiration) is not { } lifetime)
        {
            // Already expired: like the memory cache, the write removes whatever the key held.
            await ExecuteKeyCommandAsync(_table.Remove, key, withTime: false, async, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (value.Length > _maxValueSize)
        {
            // The value, not the store: an argument exception for it, which the caching handler counts as not stored.
            throw new ArgumentOutOfRangeException(
                nameof(value),
                $"PostgreSQL cache table {_table.SchemaName}.{_table.TableName}: a value of {value.Length} bytes is over MaxValueSize ({_maxValueSize} bytes); it was not stored.");
        }

        await EnsureMigratedAsync(async, cancellationToken).ConfigureAwait(false);
        var command = CreateKeyCommand(_table.Set, key, withTime: false);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(value.IsSingleSegment
                ? new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = value.First, NpgsqlDbType = NpgsqlDbType.Bytea }
                : new NpgsqlParameter<Stream> { TypedValue = new ReadOnlySequenceStream(value), NpgsqlDbType = NpgsqlDbType.Bytea });
            command.Parameters.Add(TimeParameter(lifetime.ExpiresAt));
            command.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.Interval,
                Value = lifetime.SlidingExpiration is { } sliding ? Interval(sliding) : DBNull.Value,
            });
            command.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
                Value = lifetime.AbsoluteExpiration is { } absolute ? absolute : DBNull.Value,
            });
            command.Parameters.Add(TimeParameter(now.UtcDateTime));
            _ = async
                ? await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)
                : command.ExecuteNonQuery();
        }
    }

    private async Task ExecuteKeyCommandAsync(string sql, CacheKey key, bool withTime, bool async, CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(async, cancellationToken).ConfigureAwait(false);
        var command = CreateKeyCommand(sql, key, withTime);
        await using (command.ConfigureAwait(false))
        {
            _ = async
                ? await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)
                : command.ExecuteNonQuery();
        }
    }

    private async Task EnsureMigratedAsync(bool async, CancellationToken cancellationToken)
    {
        if (_migrated)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (async)
        {
            await _migrationLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _migrationLock.Wait(cancellationToken);
        }

        try
        {
            if (!_migrated)
            {
                await SchemaMigrator.MigrateAsync(_dataSource, _table, _commandTimeoutSeconds, _logger, async, cancellationToken).ConfigureAwait(false);
                _migrated = true;
            }
        }
        finally
        {
            _migrationLock.Release();
        }
    }

    private NpgsqlCommand CreateCommand(string sql)
    {
        var command = _dataSource.CreateCommand(sql);
        command.CommandTimeout = _commandTimeoutSeconds;
        return command;
    }

    private NpgsqlCommand CreateKeyCommand(string sql, CacheKey key, bool withTime)
    {
        var command = CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Text, NpgsqlDbType = NpgsqlDbType.Text });
        if (withTime)
        {
            command.Parameters.Add(TimeParameter(_time.GetUtcNow().UtcDateTime));
        }

        return command;
    }

    private static NpgsqlParameter<DateTime> TimeParameter(DateTime utc) =>
        new() { TypedValue = utc, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private NpgsqlParameter<int> BatchSizeParameter() =>
        new() { TypedValue = _deleteBatchSize, NpgsqlDbType = NpgsqlDbType.Integer };

    /// <summary>
    /// A pure time interval, with no days part: <c>timestamptz + interval '1 day'</c> follows the session's time zone
    /// across daylight saving changes, but a sliding window is an exact duration.
    /// </summary>
    private static NpgsqlInterval Interval(TimeSpan span) => new(0, 0, span.Ticks / TimeSpan.TicksPerMicrosecond);

    private void StartSweep()
    {
        if (!_migrated || Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _sweep, SweepAsync());
    }

    private async Task SweepAsync()
    {
        try
        {
            _ = await DeleteExpiredItemsAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (Exception) when (Volatile.Read(ref _disposed) != 0)
        {
            // Disposal cancels the sweep and closes the pool under it; nothing to report.
        }
        catch (Exception ex)
        {
            Log.SweepFailed(_logger, _table.SchemaName, _table.TableName, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
