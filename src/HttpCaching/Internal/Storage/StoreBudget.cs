namespace HttpCaching.Internal;

/// <summary>
/// How long one request may still wait on its store: one <see cref="ThirdPartyCachingOptions.StoreTimeout"/> in all,
/// across its reads and writes, so a store that hangs costs a request at most one timeout, never one per call. Only
/// the time spent waiting on store calls is charged, never the time the origin takes. Once it is spent, reads and
/// writes are skipped (a miss, a response kept in memory only); removals are never skipped, since a removal that did
/// not happen could leave an outdated response in use.
/// </summary>
internal sealed class StoreBudget(TimeProvider time, TimeSpan total)
{
    private long _spentTicks;

    /// <summary>A budget that never runs out, for work no caller waits for (background revalidation).</summary>
    public static StoreBudget? Unbounded => null;

    public TimeProvider Time => time;

    /// <summary>The timeout for the next store call, or <see langword="null"/> when the budget is spent.</summary>
    public TimeSpan? Next()
    {
        if (total == Timeout.InfiniteTimeSpan)
        {
            return total;
        }

        var remaining = total - TimeSpan.FromTicks(Interlocked.Read(ref _spentTicks));
        return remaining > TimeSpan.Zero ? remaining : null;
    }

    /// <summary>Charges the time since <paramref name="startTimestamp"/> (from <see cref="Time"/>) to the budget.</summary>
    public void Charge(long startTimestamp) => Interlocked.Add(ref _spentTicks, time.GetElapsedTime(startTimestamp).Ticks);
}
