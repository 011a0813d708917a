using System.Collections.Concurrent;
using System.Diagnostics;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// Samples every activity of the HttpCaching source and keeps the stopped ones of one client. The source is static,
/// so while a recorder lives, every test's requests are traced: keep it to the test that needs it.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityRecorder(string clientName)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HttpCachingDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(HttpCachingDiagnostics.ClientNameTag), clientName))
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The client's activities, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    public void Dispose() => _listener.Dispose();
}

/// <summary>Reads an activity as the tests compare it.</summary>
public static class ActivityExtensions
{
    public static object? Tag(this Activity activity, string name) => activity.GetTagItem(name);

    /// <summary>The store events: operation, result and duration in seconds.</summary>
    public static (string Operation, string Result, double Seconds)[] StoreCalls(this Activity activity) =>
        [.. activity.Events
            .Where(e => e.Name == HttpCachingDiagnostics.StoreEventName)
            .Select(e =>
            {
                var tags = e.Tags.ToDictionary(t => t.Key, t => t.Value);
                return ((string)tags[HttpCachingDiagnostics.StoreOperationTag]!, (string)tags[HttpCachingDiagnostics.StoreResultTag]!, (double)tags[HttpCachingDiagnostics.StoreDurationTag]!);
            })];

    /// <summary>Every tag of the activity and of its events, as the exporter would see them.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> AllTags(this Activity activity) =>
        activity.TagObjects.Concat(activity.Events.SelectMany(e => e.Tags));
}
