namespace HttpCaching;

public static partial class HttpCachingDiagnostics
{
    /// <summary>
    /// The logger category of the caching handler: <c>HttpCaching.Internal.ThirdPartyCachingHandler</c>. Hits,
    /// forwards, stores, revalidations, unreadable records, invalid options, stale-on-error and back-off, rejected
    /// responses, background revalidations and invalidations.
    /// </summary>
    public const string HandlerLoggerCategory = "HttpCaching.Internal.ThirdPartyCachingHandler";

    /// <summary>
    /// The logger category of the store guard and the integrity layer: <c>HttpCaching.Store</c>. Store failures and
    /// timeouts, the breaker, and records refused by the integrity check.
    /// </summary>
    public const string StoreLoggerCategory = "HttpCaching.Store";

    /// <summary>Event id 1, <c>CacheHit</c> (Debug, <see cref="HandlerLoggerCategory"/>): a response was served from the cache.</summary>
    public const int CacheHitEventId = 1;

    /// <summary>Event id 2, <c>CacheForward</c> (Debug, <see cref="HandlerLoggerCategory"/>): a request goes to the origin, with the reason.</summary>
    public const int CacheForwardEventId = 2;

    /// <summary>Event id 3, <c>CacheStored</c> (Debug, <see cref="HandlerLoggerCategory"/>): the origin's response was stored.</summary>
    public const int CacheStoredEventId = 3;

    /// <summary>Event id 4, <c>CacheNotStored</c> (Debug, <see cref="HandlerLoggerCategory"/>): the origin's response was not stored, with the reason.</summary>
    public const int CacheNotStoredEventId = 4;

    /// <summary>Event id 5, <c>CacheRevalidated</c> (Debug, <see cref="HandlerLoggerCategory"/>): the origin validated the stored response (<c>304</c>).</summary>
    public const int CacheRevalidatedEventId = 5;

    /// <summary>Event id 6, <c>CacheStoreFailed</c> (Warning, <see cref="StoreLoggerCategory"/>, rate-limited): a store operation threw.</summary>
    public const int CacheStoreFailedEventId = 6;

    /// <summary>Event id 7, <c>CacheStoreTimedOut</c> (Warning, <see cref="StoreLoggerCategory"/>, rate-limited): a store operation did not answer in time.</summary>
    public const int CacheStoreTimedOutEventId = 7;

    /// <summary>Event id 8, <c>CacheRecordUnreadable</c> (Warning, <see cref="HandlerLoggerCategory"/>, rate-limited): a stored record is truncated, foreign or of another format version.</summary>
    public const int CacheRecordUnreadableEventId = 8;

    /// <summary>Event id 9, <c>CacheOptionsInvalid</c> (Error, <see cref="HandlerLoggerCategory"/>, rate-limited): reloaded options are invalid and are ignored.</summary>
    public const int CacheOptionsInvalidEventId = 9;

    /// <summary>Event id 10, <c>CacheStoreBreakerOpened</c> (Warning, <see cref="StoreLoggerCategory"/>): the store failed repeatedly and is left alone for a while.</summary>
    public const int CacheStoreBreakerOpenedEventId = 10;

    /// <summary>Event id 11, <c>CacheStoreBreakerClosed</c> (Information, <see cref="StoreLoggerCategory"/>): the store answers again.</summary>
    public const int CacheStoreBreakerClosedEventId = 11;

    /// <summary>Event id 12, <c>CacheServedStaleOnError</c> (Warning, <see cref="HandlerLoggerCategory"/>, rate-limited): the origin failed and the stored response was served.</summary>
    public const int CacheServedStaleOnErrorEventId = 12;

    /// <summary>Event id 13, <c>CacheHoldingOff</c> (Information, <see cref="HandlerLoggerCategory"/>, rate-limited): the origin asked to be left alone; the stored response was served.</summary>
    public const int CacheHoldingOffEventId = 13;

    /// <summary>Event id 14, <c>CacheResponseRejected</c> (Warning, <see cref="HandlerLoggerCategory"/>, rate-limited): <c>ValidateResponse</c> refused a response.</summary>
    public const int CacheResponseRejectedEventId = 14;

    /// <summary>Event id 15, <c>CacheValidationFailed</c> (Warning, <see cref="HandlerLoggerCategory"/>): <c>ValidateResponse</c> threw.</summary>
    public const int CacheValidationFailedEventId = 15;

    /// <summary>Event id 16, <c>CacheBackgroundRevalidationFailed</c> (Warning, <see cref="HandlerLoggerCategory"/>, rate-limited): a background revalidation failed.</summary>
    public const int CacheBackgroundRevalidationFailedEventId = 16;

    /// <summary>Event id 17, <c>CacheInvalidated</c> (Debug, <see cref="HandlerLoggerCategory"/>): a stored response was invalidated.</summary>
    public const int CacheInvalidatedEventId = 17;

    /// <summary>Event id 18, <c>CacheRecordTampered</c> (Warning, <see cref="StoreLoggerCategory"/>): a stored record failed its integrity check.</summary>
    public const int CacheRecordTamperedEventId = 18;

    /// <summary>Event id 19, <c>CacheBackgroundRevalidationRefused</c> (Warning, <see cref="HandlerLoggerCategory"/>, rate-limited): a background revalidation got an error or a refused response.</summary>
    public const int CacheBackgroundRevalidationRefusedEventId = 19;

    /// <summary>Event id 20, <c>CacheRecordLimitsExceeded</c> (Debug, <see cref="HandlerLoggerCategory"/>): a response was not stored because its record could never be read back.</summary>
    public const int CacheRecordLimitsExceededEventId = 20;

    /// <summary>Event id 21, <c>CacheStoreWritesSuspended</c> (Warning, <see cref="StoreLoggerCategory"/>): writes to the store failed repeatedly (a full store, a read-only replica, a policy that refuses them) while reads may still work; writes are skipped for a growing interval. Logged once per opening.</summary>
    public const int CacheStoreWritesSuspendedEventId = 21;

    /// <summary>Event id 22, <c>CacheStoreWritesResumed</c> (Information, <see cref="StoreLoggerCategory"/>): a write succeeded again after writes were suspended.</summary>
    public const int CacheStoreWritesResumedEventId = 22;

    /// <summary>Event id 23, <c>CacheCoordinationFailed</c> (Warning, <see cref="StoreLoggerCategory"/>, rate-limited): a backplane or lease call of the store's <see cref="IHttpCacheCoordinator"/> failed or did not answer in time; requests go on as on a single instance.</summary>
    public const int CacheCoordinationFailedEventId = 23;

    /// <summary>Event id 24, <c>CacheLeaseWaitEnded</c> (Debug, <see cref="HandlerLoggerCategory"/>): another instance held the URL's lease but stored nothing within the lease wait; this instance asks the origin itself.</summary>
    public const int CacheLeaseWaitEndedEventId = 24;

    /// <summary>Event id 25, <c>CacheCollapsedAcrossInstances</c> (Debug, <see cref="HandlerLoggerCategory"/>): a request that waited on another instance's lease was served what that instance stored.</summary>
    public const int CacheCollapsedAcrossInstancesEventId = 25;
}
