using System.Globalization;
using Microsoft.Extensions.Logging.Testing;

namespace HttpCaching.Testing;

/// <summary>
/// What the tests ask of the records <see cref="FakeLogCollector"/> (Microsoft.Extensions.Diagnostics.Testing)
/// collects: the records of one event, waiting for a record written on a background path, and every text a log sink
/// could write for a record, for tests that check that no secret reaches the logs.
/// </summary>
public static class FakeLogExtensions
{
    /// <summary>The records collected so far with event id <paramref name="eventId"/>, in order.</summary>
    public static FakeLogRecord[] WithId(this FakeLogCollector logs, int eventId) =>
        [.. logs.GetSnapshot().Where(r => r.Id.Id == eventId)];

    /// <summary>
    /// Completes once <paramref name="count"/> records with <paramref name="eventId"/> have been collected, counting
    /// those collected before the call (the collector's stream starts at its first record).
    /// </summary>
    public static async Task WaitForAsync(this FakeLogCollector logs, int eventId, int count = 1, CancellationToken cancellationToken = default)
    {
        var seen = 0;
        await foreach (var record in logs.GetLogsAsync(cancellationToken))
        {
            if (record.Id.Id == eventId && ++seen >= count)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every text a sink could write for the record: the formatted message, the category and event name, each key and
    /// value of the structured state (the message template included), each scope (unless <paramref name="scopes"/> is
    /// <see langword="false"/>), and the exception with its stack and inner exceptions.
    /// </summary>
    /// <remarks>
    /// A record's scopes are those open when it was written, most of them another component's: IHttpClientFactory's
    /// logging handler opens one with the request's method and URI (its query replaced by <c>*</c>).
    /// </remarks>
    public static IEnumerable<string> Texts(this FakeLogRecord record, bool scopes = true)
    {
        yield return record.Message;
        if (record.Category is { } category)
        {
            yield return category;
        }

        if (record.Id.Name is { } name)
        {
            yield return name;
        }

        switch (record.State)
        {
            case IEnumerable<KeyValuePair<string, string?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    yield return key;
                    if (value is not null)
                    {
                        yield return value;
                    }
                }

                break;
            case { } state:
                yield return Convert.ToString(state, CultureInfo.InvariantCulture) ?? "";
                break;
        }

        foreach (var scope in scopes ? record.Scopes : [])
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    yield return key;
                    yield return Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                }
            }
            else if (scope is not null)
            {
                yield return Convert.ToString(scope, CultureInfo.InvariantCulture) ?? "";
            }
        }

        if (record.Exception is { } exception)
        {
            yield return exception.ToString();
        }
    }

    /// <summary>
    /// Fails, naming the record and where the text was found, if any of <paramref name="secrets"/> appears in the
    /// message, the structured state, a scope or the exception of any of <paramref name="records"/>.
    /// </summary>
    public static void AssertNoneContains(this IEnumerable<FakeLogRecord> records, StringComparison comparison, params string[] secrets)
    {
        foreach (var record in records)
        {
            foreach (var text in record.Texts())
            {
                foreach (var secret in secrets)
                {
                    Assert.False(
                        text.Contains(secret, comparison),
                        $"The log record {record.Id} ({record.Category}, {record.Level}) holds \"{secret}\" in: {text}");
                }
            }
        }
    }
}
