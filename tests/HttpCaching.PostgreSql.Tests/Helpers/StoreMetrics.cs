using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// Listens to the PostgreSQL store's instruments on the <c>HttpCaching</c> meter and keeps the measurements of one
/// table (tests run in parallel, each in a table of its own), counters and gauges alike.
/// </summary>
public sealed class StoreMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, string? Reason)> _measurements = new();

    /// <param name="table">The table, as <c>schema.table</c>.</param>
    public StoreMetrics(string table)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PostgreSqlHttpCacheDiagnostics.MeterName && instrument.Name.StartsWith("httpcaching.store.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? measuredTable = null;
            string? reason = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case PostgreSqlHttpCacheDiagnostics.TableTag:
                        measuredTable = tag.Value as string;
                        break;
                    case PostgreSqlHttpCacheDiagnostics.SweepReasonTag:
                        reason = tag.Value as string;
                        break;
                }
            }

            if (measuredTable == table)
            {
                _measurements.Enqueue((instrument.Name, value, reason));
            }
        });
        _listener.Start();
    }

    /// <summary>Every value a counter recorded for the table (with the given reason), in order.</summary>
    public IReadOnlyList<long> Values(string instrument, string? reason = null) =>
        [.. _measurements.Where(m => m.Instrument == instrument && (reason is null || m.Reason == reason)).Select(m => m.Value)];

    public long Sum(string instrument, string? reason = null) => Values(instrument, reason).Sum();

    /// <summary>What a gauge reports for the table now, or <see langword="null"/> when it reports nothing.</summary>
    public long? Gauge(string instrument)
    {
        var before = _measurements.Count(m => m.Instrument == instrument);
        _listener.RecordObservableInstruments();
        var observed = _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToArray();
        return observed.Length > before ? observed[^1] : null;
    }

    public void Dispose() => _listener.Dispose();
}
