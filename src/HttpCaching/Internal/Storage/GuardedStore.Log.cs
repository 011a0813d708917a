using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

internal sealed partial class GuardedStore
{
    /// <summary>Store failures. Messages never carry a store key.</summary>
    internal static partial class Log
    {
        public const int StoreFailedId = HttpCachingDiagnostics.CacheStoreFailedEventId;
        public const int StoreTimedOutId = HttpCachingDiagnostics.CacheStoreTimedOutEventId;
        public const int BreakerOpenedId = HttpCachingDiagnostics.CacheStoreBreakerOpenedEventId;
        public const int BreakerClosedId = HttpCachingDiagnostics.CacheStoreBreakerClosedEventId;
        public const int WritesSuspendedId = HttpCachingDiagnostics.CacheStoreWritesSuspendedEventId;
        public const int WritesResumedId = HttpCachingDiagnostics.CacheStoreWritesResumedEventId;

        [LoggerMessage(StoreFailedId, LogLevel.Warning, "Client {ClientName}: the cache store failed ({Operation}); the request is served from the origin. {Suppressed} more like it were left out since the last.", EventName = "CacheStoreFailed")]
        public static partial void StoreFailed(ILogger logger, string clientName, string operation, int suppressed, Exception exception);

        [LoggerMessage(StoreTimedOutId, LogLevel.Warning, "Client {ClientName}: the cache store did not answer in time ({Operation}); the request is served from the origin. {Suppressed} more like it were left out since the last.", EventName = "CacheStoreTimedOut")]
        public static partial void StoreTimedOut(ILogger logger, string clientName, string operation, int suppressed);

        [LoggerMessage(BreakerOpenedId, LogLevel.Warning, "The cache store failed {Failures} times in a row; it is left alone for {Duration}.", EventName = "CacheStoreBreakerOpened")]
        public static partial void BreakerOpened(ILogger logger, TimeSpan duration, int failures);

        [LoggerMessage(BreakerClosedId, LogLevel.Information, "The cache store answers again; caching resumes.", EventName = "CacheStoreBreakerClosed")]
        public static partial void BreakerClosed(ILogger logger);

        [LoggerMessage(WritesSuspendedId, LogLevel.Warning, "Writes to the cache store failed {Failures} times in a row (is it full, or read-only?); writes are skipped for {Duration}, reads go on.", EventName = "CacheStoreWritesSuspended")]
        public static partial void WritesSuspended(ILogger logger, TimeSpan duration, int failures);

        [LoggerMessage(WritesResumedId, LogLevel.Information, "The cache store takes writes again.", EventName = "CacheStoreWritesResumed")]
        public static partial void WritesResumed(ILogger logger);
    }
}
