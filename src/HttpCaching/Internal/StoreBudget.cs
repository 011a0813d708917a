namespace HttpCaching.Internal;

/// <summary>
/// How long one request may still wait on its store: one <see cref="ThirdPartyCachingOptions.StoreTimeout"/> in all,
/// across its reads and writes, so a store that hangs costs a request at most one timeout, never one per call. Once
/// it is spent, reads and writes are skipped (a miss, a response not stored); removals are never skipped, since a
/// removal that did not happen could leave an outdated response in use.
/// </summary>
internal sealed class StoreBudget(TimeProvider time, TimeSpan total)
{
    private readonly long _start = time.GetTimestamp();

    /// <summary>A budget that never runs out, for work no caller waits for (background revalidation).</summary>
    public static StoreBudget? Unbounded => null;

    /// <summary>The timeout for the next store call, or <see langword="null"/> when the budget is spent.</summary>
    public TimeSpan? Next()
    {
        if (total == Timeout.InfiniteTimeSpan)
        {
            return total;
        }

        var remaining = total - time.GetElapsedTime(_start);
        return remaining > TimeSpan.Zero ? remaining : null;
    }
}
