using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HttpCaching.Tests.Helpers;

/// <summary>Listens to the HttpCaching meter and keeps the measurements tagged with one client name.</summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MetricsCollector(string clientName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HttpCachingDiagnostics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            if (Equals(dictionary.GetValueOrDefault(HttpCachingDiagnostics.ClientNameTag), clientName))
            {
                _measurements.Enqueue((instrument.Name, value, dictionary));
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument, string? outcome = null) =>
        _measurements
            .Where(m => m.Instrument == instrument && (outcome is null || Equals(m.Tags.GetValueOrDefault(HttpCachingDiagnostics.OutcomeTag), outcome)))
            .Sum(m => m.Value);

    /// <summary>Every measurement kept, with the instrument's name and all its tags.</summary>
    public IReadOnlyList<(string Instrument, long Value, Dictionary<string, object?> Tags)> Measurements => [.. _measurements];

    public void Dispose() => _listener.Dispose();
}
