using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The PostgreSQL stores' instruments, created once per service provider on the <c>HttpCaching</c> meter and shared by
/// its stores: the sweep's counters, and gauges of each table's size as its last sweep measured it.
/// </summary>
internal sealed class PostgreSqlCacheMetrics : IDisposable
{
    private readonly Meter? _ownMeter;
    private readonly Counter<long> _deleted;
    private readonly Counter<long> _batches;
    private readonly ConcurrentDictionary<string, TableSize> _sizes = new(StringComparer.Ordinal);

    public PostgreSqlCacheMetrics(IMeterFactory? meterFactory)
    {
        // A factory's meter is the factory's to dispose (and is shared with the library's instruments); one made here
        // is disposed with the service provider.
        var meter = meterFactory?.Create(PostgreSqlHttpCacheDiagnostics.MeterName)
            ?? (_ownMeter = new Meter(PostgreSqlHttpCacheDiagnostics.MeterName));
        _deleted = meter.CreateCounter<long>(PostgreSqlHttpCacheDiagnostics.SweepDeletedInstrument, "{row}", "Rows the PostgreSQL store's sweep deleted, by reason: expired, or evicted for the size bound.");
        _batches = meter.CreateCounter<long>(PostgreSqlHttpCacheDiagnostics.SweepBatchesInstrument, "{batch}", "Delete statements the PostgreSQL store's sweep ran, by reason.");
        meter.CreateObservableGauge(PostgreSqlHttpCacheDiagnostics.SizeInstrument, () => Observe(static s => s.Bytes), "By", "Bytes of values in the PostgreSQL store's table, as of its last sweep.");
        meter.CreateObservableGauge(PostgreSqlHttpCacheDiagnostics.RowsInstrument, () => Observe(static s => s.Rows), "{row}", "Rows in the PostgreSQL store's table, as of its last sweep.");
    }

    /// <summary>Records one delete statement of the sweep and the rows it deleted.</summary>
    public void SweepBatch(string table, string reason, long deleted)
    {
        var tags = new TagList
        {
            { PostgreSqlHttpCacheDiagnostics.TableTag, table },
            { PostgreSqlHttpCacheDiagnostics.SweepReasonTag, reason },
        };
        _batches.Add(1, tags);
        if (deleted > 0)
        {
            _deleted.Add(deleted, tags);
        }
    }

    /// <summary>Sets what the gauges report for <paramref name="table"/>.</summary>
    public void Size(string table, long rows, long bytes) => _sizes[table] = new TableSize(rows, bytes);

    /// <summary>Stops reporting <paramref name="table"/>, when its store is disposed.</summary>
    public void Forget(string table) => _sizes.TryRemove(table, out _);

    public void Dispose() => _ownMeter?.Dispose();

    private IEnumerable<Measurement<long>> Observe(Func<TableSize, long> value)
    {
        foreach (var (table, size) in _sizes)
        {
            yield return new Measurement<long>(value(size), new KeyValuePair<string, object?>(PostgreSqlHttpCacheDiagnostics.TableTag, table));
        }
    }

    private readonly record struct TableSize(long Rows, long Bytes);
}
