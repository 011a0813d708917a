using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HttpCaching.Testing;

/// <summary>
/// Sums and values of what a <see cref="MetricCollector{T}"/> (Microsoft.Extensions.Diagnostics.Testing) collected,
/// restricted to the measurements that carry every given tag (a client name, an outcome, a table).
/// </summary>
/// <remarks>
/// A collector follows the first instrument it finds with the meter and instrument names asked for. Scope it to an
/// <c>IMeterFactory</c> of the test's own (the harness registers <c>AddMetrics()</c>): in the global scope, where a
/// component made without a factory creates its meter, it could as well follow another test's instrument.
/// </remarks>
public static class MetricCollectorExtensions
{
    /// <summary>The values measured with every one of <paramref name="tags"/>, in the order they were recorded.</summary>
    public static long[] Values(this MetricCollector<long> collector, params (string Key, object? Value)[] tags) =>
        [.. Matching(collector.GetMeasurementSnapshot(), tags).Select(m => m.Value)];

    /// <summary>The sum of the values measured with every one of <paramref name="tags"/>, as a counter reports it.</summary>
    public static long Sum(this MetricCollector<long> collector, params (string Key, object? Value)[] tags) =>
        Matching(collector.GetMeasurementSnapshot(), tags).EvaluateAsCounter();

    /// <summary>
    /// Asks the observable instruments for their values now and returns what the one collected reported with every one
    /// of <paramref name="tags"/>, or <see langword="null"/> when it reported nothing.
    /// </summary>
    public static long? Observe(this MetricCollector<long> collector, params (string Key, object? Value)[] tags)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return Matching(collector.GetMeasurementSnapshot(clear: true), tags).LastOrDefault()?.Value;
    }

    private static IEnumerable<CollectedMeasurement<long>> Matching(IEnumerable<CollectedMeasurement<long>> measurements, (string Key, object? Value)[] tags) =>
        measurements.Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var value) && Equals(value, t.Value)));
}
