namespace HttpCaching.Demo;

/// <summary>What the <c>HttpCaching</c> meter reported for one client.</summary>
public sealed class MeterTotals
{
    private long _hits;
    private long _misses;
    private long _revalidated;
    private long _stale;
    private long _bypassed;
    private long _cacheBytes;
    private long _originBytes;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long Revalidated => Interlocked.Read(ref _revalidated);

    public long Stale => Interlocked.Read(ref _stale);

    public long Bypassed => Interlocked.Read(ref _bypassed);

    /// <summary>Body bytes served from the cache (hits and revalidations).</summary>
    public long CacheBytes => Interlocked.Read(ref _cacheBytes);

    /// <summary>Body bytes received from the origin.</summary>
    public long OriginBytes => Interlocked.Read(ref _originBytes);

    public void AddOutcome(string? outcome, long count)
    {
        switch (outcome)
        {
            case HttpCachingDiagnostics.OutcomeHit:
                Interlocked.Add(ref _hits, count);
                break;
            case HttpCachingDiagnostics.OutcomeMiss:
                Interlocked.Add(ref _misses, count);
                break;
            case HttpCachingDiagnostics.OutcomeRevalidated:
                Interlocked.Add(ref _revalidated, count);
                break;
            case HttpCachingDiagnostics.OutcomeStale:
                Interlocked.Add(ref _stale, count);
                break;
            case HttpCachingDiagnostics.OutcomeBypass:
                Interlocked.Add(ref _bypassed, count);
                break;
        }
    }

    public void AddCacheBytes(long bytes) => Interlocked.Add(ref _cacheBytes, bytes);

    public void AddOriginBytes(long bytes) => Interlocked.Add(ref _originBytes, bytes);
}
