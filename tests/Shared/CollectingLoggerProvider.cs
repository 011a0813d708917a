using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Testing;

/// <summary>Captures every log entry, at every level and from every category, with its event id and formatted message.</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
    {
        /// <summary>Everything a sink could write for this entry: the message, the exception with its stack and inner ones.</summary>
        public string FullText => $"{Category} {EventId} {Message} {Exception}";
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception) + " " + string.Join(' ', Properties(state)), exception));

        private static IEnumerable<string> Properties<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.Select(p => $"{p.Key}={p.Value}") : [];
    }
}
