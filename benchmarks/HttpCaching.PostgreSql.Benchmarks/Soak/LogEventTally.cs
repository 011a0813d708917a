using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// Counts the log events of the library (categories that start with <c>HttpCaching</c>, Information and above) per
/// phase and event name, so the report can say what the cache saw: store failures and time-outs, the breaker,
/// stale-if-error. It is its own logger, for every category it cares about.
/// </summary>
internal sealed class LogEventTally(SoakClock clock) : ILoggerProvider, ILogger
{
    private readonly ConcurrentDictionary<(int Phase, string Event), int> _counts = new();

    /// <summary>The events of <paramref name="phase"/>, most frequent first.</summary>
    public IReadOnlyList<(string Event, int Count)> Events(int phase) =>
        [.. _counts.Where(c => c.Key.Phase == phase).Select(c => (c.Key.Event, c.Value)).OrderByDescending(c => c.Value).ThenBy(c => c.Event, StringComparer.Ordinal)];

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("HttpCaching", StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var phase = clock.Phase;
        if (phase >= 0 && IsEnabled(logLevel))
        {
            var name = eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _counts.AddOrUpdate((phase, name), 1, (_, count) => count + 1);
        }
    }

    public void Dispose()
    {
    }
}
