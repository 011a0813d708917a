using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// Captures every log entry, like <see cref="CollectingLoggerProvider"/>, and lets a test wait for an entry that is
/// written on a background path (after the response it observes was returned).
/// </summary>
public sealed class AwaitableLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CollectingLoggerProvider.LogEntry> _entries = new();
    private readonly Lock _gate = new();
    private readonly List<(int EventId, int Count, TaskCompletionSource Reached)> _waiters = [];

    public IReadOnlyList<CollectingLoggerProvider.LogEntry> Entries => [.. _entries];

    public int Count(int eventId) => _entries.Count(e => e.EventId.Id == eventId);

    /// <summary>Completes once <paramref name="count"/> entries with <paramref name="eventId"/> have been written.</summary>
    public Task WaitForAsync(int eventId, int count = 1)
    {
        lock (_gate)
        {
            if (Count(eventId) >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((eventId, count, reached));
            return reached.Task;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private void Add(CollectingLoggerProvider.LogEntry entry)
    {
        lock (_gate)
        {
            _entries.Enqueue(entry);
            foreach (var waiter in _waiters.Where(w => w.EventId == entry.EventId.Id && Count(w.EventId) >= w.Count).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult();
            }
        }
    }

    private sealed class Logger(string category, AwaitableLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new CollectingLoggerProvider.LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
