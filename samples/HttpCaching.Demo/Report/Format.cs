using System.Globalization;

namespace HttpCaching.Demo;

/// <summary>How the report writes times, counts, sizes and latencies.</summary>
public static class Format
{
    /// <summary>Simulated time since the start, as <c>+06:30</c>.</summary>
    public static string Clock(TimeSpan elapsed) => Invariant($"+{(int)elapsed.TotalHours:00}:{elapsed.Minutes:00}");

    /// <summary>A stretch of simulated time, as <c>+06:00–06:59</c>, or one time when it is a single minute.</summary>
    public static string Span(TimeSpan from, TimeSpan until) =>
        from == until ? Clock(from) : Invariant($"{Clock(from)}–{Clock(until)[1..]}");

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => Invariant($"{bytes} B"),
        < 1024 * 1024 => Invariant($"{bytes / 1024.0:0.0} KiB"),
        _ => Invariant($"{bytes / (1024.0 * 1024):0.0} MiB"),
    };

    public static string Latency(TimeSpan? latency) => latency switch
    {
        null => "–",
        { TotalMilliseconds: < 1 } value => Invariant($"{value.TotalMicroseconds:0} µs"),
        { } value => Invariant($"{value.TotalMilliseconds:0.0} ms"),
    };

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
