using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HttpCaching.Tests.Helpers;

/// <summary>Records every measurement of one HttpCaching instrument with all its tags, whatever the client.</summary>
public sealed class InstrumentRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Dictionary<string, object?>> _measurements = new();

    public InstrumentRecorder(string instrumentName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HttpCachingDiagnostics.MeterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            for (var i = 0; i < value; i++)
            {
                _measurements.Enqueue(dictionary);
            }
        });
        _listener.Start();
    }

    /// <summary>The measurements whose tags include every given tag.</summary>
    public int Count(params (string Key, object? Value)[] tags) =>
        _measurements.Count(m => tags.All(t => m.TryGetValue(t.Key, out var value) && Equals(value, t.Value)));

    public IReadOnlyList<Dictionary<string, object?>> Measurements => [.. _measurements];

    public void Dispose() => _listener.Dispose();
}
