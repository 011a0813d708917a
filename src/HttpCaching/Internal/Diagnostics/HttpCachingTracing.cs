using System.Diagnostics;

namespace HttpCaching.Internal;

/// <summary>
/// The library's <see cref="ActivitySource"/> and what it records. Nothing here allocates or reads the clock unless a
/// listener sampled the request's activity: without one, <see cref="StartRequest"/> returns <see langword="null"/> and
/// every other method returns at its first check.
/// </summary>
internal static class HttpCachingTracing
{
    /// <summary>One source for the process, as <c>System.Net.Http</c> has: activities have no factory to scope them.</summary>
    public static readonly ActivitySource Source = new(HttpCachingDiagnostics.ActivitySourceName, typeof(HttpCachingTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the activity of one request, tagged with what identifies it without secrets: the client, the method and
    /// the URI's path (no query string, no host, no header). <see langword="null"/> when no listener samples it.
    /// </summary>
    public static Activity? StartRequest(string clientName, HttpRequestMessage request)
    {
        // No tags are passed to StartActivity: building them would cost every request, sampled or not.
        var activity = Source.StartActivity(HttpCachingDiagnostics.RequestActivityName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(HttpCachingDiagnostics.ClientNameTag, clientName);
            activity.SetTag(HttpCachingDiagnostics.RequestMethodTag, request.Method.Method);
            if (request.RequestUri is { IsAbsoluteUri: true } uri)
            {
                activity.SetTag(HttpCachingDiagnostics.UrlPathTag, uri.AbsolutePath);
            }
        }

        return activity;
    }

    /// <summary>
    /// The request activity of the current flow when it records data: the one <see cref="StartRequest"/> started for
    /// the request being handled, and still running. Store calls made by work nobody waits for (background
    /// revalidation) find none.
    /// </summary>
    public static Activity? CurrentRequest()
    {
        var current = Activity.Current;
        return current is { IsAllDataRequested: true, IsStopped: false }
            && ReferenceEquals(current.Source, Source)
            && ReferenceEquals(current.OperationName, HttpCachingDiagnostics.RequestActivityName)
            ? current
            : null;
    }

    /// <summary>
    /// Tags the current request activity with the request's outcome and the parameters of this cache's
    /// <c>Cache-Status</c> member, which the handler built itself (so it holds nothing but the values listed in
    /// <see cref="HttpCachingDiagnostics"/>, numbers and the cache's name).
    /// </summary>
    public static void RecordOutcome(string outcome, string cacheStatus)
    {
        if (CurrentRequest() is not { } activity)
        {
            return;
        }

        activity.SetTag(HttpCachingDiagnostics.OutcomeTag, outcome);
        var forwarded = false;
        var stored = false;
        foreach (var part in cacheStatus.Split("; "))
        {
            if (part.StartsWith("fwd=", StringComparison.Ordinal))
            {
                forwarded = true;
                activity.SetTag(HttpCachingDiagnostics.ForwardReasonTag, part[4..]);
            }
            else if (part.StartsWith("fwd-status=", StringComparison.Ordinal)
                && int.TryParse(part.AsSpan(11), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
            {
                activity.SetTag(HttpCachingDiagnostics.ForwardStatusTag, status);
            }
            else if (part.StartsWith("detail=", StringComparison.Ordinal))
            {
                activity.SetTag(HttpCachingDiagnostics.DetailTag, part[7..]);
            }
            else if (part == "stored")
            {
                stored = true;
            }
            else if (part == "collapsed")
            {
                activity.SetTag(HttpCachingDiagnostics.CollapsedTag, true);
            }
        }

        if (forwarded)
        {
            activity.SetTag(HttpCachingDiagnostics.StoredTag, stored);
        }
    }

    /// <summary>
    /// Marks the request activity as failed with the exception's type (never its message, which may name a URI).
    /// Always <see langword="false"/>, for use as an exception filter that lets the exception go on.
    /// </summary>
    public static bool RecordFailure(Activity? activity, Exception exception)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag(HttpCachingDiagnostics.ErrorTypeTag, exception.GetType().FullName);
        }

        return false;
    }

    /// <summary>Adds a store call to the request activity it was made for, if that activity is still running.</summary>
    public static void RecordStoreCall(Activity? activity, string operation, string result, TimeSpan duration)
    {
        if (activity is null || activity.IsStopped)
        {
            return;
        }

        activity.AddEvent(new ActivityEvent(
            HttpCachingDiagnostics.StoreEventName,
            tags: new ActivityTagsCollection
            {
                { HttpCachingDiagnostics.StoreOperationTag, operation },
                { HttpCachingDiagnostics.StoreResultTag, result },
                { HttpCachingDiagnostics.StoreDurationTag, duration.TotalSeconds },
            }));
    }

    /// <summary>
    /// Leaves the current request activity, if there is one, for its parent, and returns it for
    /// <see cref="ReturnTo"/>: work started meanwhile that nobody waits for (a background revalidation) then belongs
    /// to the caller's trace, and never records its store calls on the request that happened to start it.
    /// </summary>
    public static Activity? LeaveRequest()
    {
        var current = Activity.Current;
        if (current is null
            || !ReferenceEquals(current.Source, Source)
            || !ReferenceEquals(current.OperationName, HttpCachingDiagnostics.RequestActivityName))
        {
            return null;
        }

        Activity.Current = current.Parent;
        return current;
    }

    /// <summary>Makes the activity <see cref="LeaveRequest"/> left current again.</summary>
    public static void ReturnTo(Activity? request)
    {
        if (request is not null)
        {
            Activity.Current = request;
        }
    }
}
