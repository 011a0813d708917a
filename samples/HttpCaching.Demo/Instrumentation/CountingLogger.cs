using System.Globalization;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Demo;

/// <summary>
/// The logger <see cref="LogEventCounter"/> hands out: it counts each event under the <c>ClientName</c> field of the
/// message, and keeps nothing else.
/// </summary>
public sealed class CountingLogger(LogEventCounter counter) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string? clientName = null;
        if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
        {
            clientName = fields.FirstOrDefault(field => field.Key == "ClientName").Value as string;
        }

        counter.Add(clientName, eventId.Name ?? eventId.Id.ToString(CultureInfo.InvariantCulture));
    }
}
