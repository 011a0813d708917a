using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpCaching.Demo;

/// <summary>
/// A logging provider that counts the events logged by categories starting with a prefix, by client and event name,
/// as a log dashboard would. It sees what the logging configuration lets through to every provider.
/// </summary>
public sealed class LogEventCounter(string categoryPrefix) : ILoggerProvider
{
    private readonly ConcurrentDictionary<(string? Client, string Event), int> _counts = new();

    /// <summary>Event names and counts over all clients, in name order.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Totals =>
    [
        .. _counts
            .GroupBy(pair => pair.Key.Event, StringComparer.Ordinal)
            .Select(group => KeyValuePair.Create(group.Key, group.Sum(pair => pair.Value)))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal),
    ];

    public int Count(string clientName, string eventName) => _counts.GetValueOrDefault((clientName, eventName));

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(categoryPrefix, StringComparison.Ordinal) ? new CountingLogger(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    internal void Add(string? clientName, string eventName) =>
        _counts.AddOrUpdate((clientName, eventName), 1, static (_, count) => count + 1);
}
