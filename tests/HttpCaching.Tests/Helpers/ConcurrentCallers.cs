namespace HttpCaching.Tests.Helpers;

/// <summary>
/// Starts callers that must all be waiting on one shared origin request before the test lets the origin answer, without
/// a hook in the coalescer and without waiting on time.
/// </summary>
/// <remarks>
/// Each call is started on the test's own thread, one after the other, and not awaited. A call runs synchronously up to
/// its first wait that does not complete at once. Nothing on the cache's path before the coalescer yields (the
/// in-memory test stores answer at once), so that wait is the gated origin for the caller that starts the shared request
/// and the shared request itself for every other caller: when <see cref="Start{T}"/> returns, every caller has joined.
/// A caller that had not would make an origin request of its own, which the tests count.
/// </remarks>
public static class ConcurrentCallers
{
    /// <summary>Starts <paramref name="count"/> calls of <paramref name="call"/>; returns them, still running.</summary>
    public static Task<T>[] Start<T>(int count, Func<Task<T>> call)
    {
        var calls = new Task<T>[count];
        for (var i = 0; i < count; i++)
        {
            calls[i] = call();
        }

        return calls;
    }
}
