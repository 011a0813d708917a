using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HttpCaching.Demo;

/// <summary>
/// Listens to the library's <c>HttpCaching</c> meter, as an OpenTelemetry exporter would, and adds up its counters by
/// the <c>http.client.name</c> tag.
/// </summary>
public sealed class CacheMeterListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, MeterTotals> _totals = new(StringComparer.Ordinal);

    public CacheMeterListener()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == HttpCachingDiagnostics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public MeterTotals For(string clientName) => _totals.GetOrAdd(clientName, static _ => new MeterTotals());

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? clientName = null;
        string? outcome = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case HttpCachingDiagnostics.ClientNameTag:
                    clientName = tag.Value as string;
                    break;
                case HttpCachingDiagnostics.OutcomeTag:
                    outcome = tag.Value as string;
                    break;
            }
        }

        if (clientName is null)
        {
            return;
        }

        var totals = For(clientName);
        switch (instrument.Name)
        {
            case HttpCachingDiagnostics.RequestsInstrument:
                totals.AddOutcome(outcome, value);
                break;
            case HttpCachingDiagnostics.CacheBytesInstrument:
                totals.AddCacheBytes(value);
                break;
            case HttpCachingDiagnostics.OriginBytesInstrument:
                totals.AddOriginBytes(value);
                break;
        }
    }
}
