using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>
    /// The caching handler's log messages, written under <see cref="HttpCachingDiagnostics.HandlerLoggerCategory"/>.
    /// Event ids are part of the public contract. No message carries a store key, a query string or a header value:
    /// URIs are logged as scheme, host and path only.
    /// </summary>
    internal static partial class Log
    {
        public const int HitId = HttpCachingDiagnostics.CacheHitEventId;
        public const int ForwardingId = HttpCachingDiagnostics.CacheForwardEventId;
        public const int StoredId = HttpCachingDiagnostics.CacheStoredEventId;
        public const int NotStoredId = HttpCachingDiagnostics.CacheNotStoredEventId;
        public const int RevalidatedId = HttpCachingDiagnostics.CacheRevalidatedEventId;
        public const int UnreadableRecordId = HttpCachingDiagnostics.CacheRecordUnreadableEventId;
        public const int InvalidOptionsId = HttpCachingDiagnostics.CacheOptionsInvalidEventId;
        public const int ServedStaleOnErrorId = HttpCachingDiagnostics.CacheServedStaleOnErrorEventId;
        public const int HoldingOffId = HttpCachingDiagnostics.CacheHoldingOffEventId;
        public const int ResponseRejectedId = HttpCachingDiagnostics.CacheResponseRejectedEventId;
        public const int ValidationFailedId = HttpCachingDiagnostics.CacheValidationFailedEventId;
        public const int BackgroundRevalidationFailedId = HttpCachingDiagnostics.CacheBackgroundRevalidationFailedEventId;
        public const int InvalidatedId = HttpCachingDiagnostics.CacheInvalidatedEventId;
        public const int BackgroundRevalidationRefusedId = HttpCachingDiagnostics.CacheBackgroundRevalidationRefusedEventId;
        public const int ExceedsRecordLimitsId = HttpCachingDiagnostics.CacheRecordLimitsExceededEventId;
        public const int LeaseWaitEndedId = HttpCachingDiagnostics.CacheLeaseWaitEndedEventId;
        public const int CollapsedAcrossInstancesId = HttpCachingDiagnostics.CacheCollapsedAcrossInstancesEventId;

        [LoggerMessage(LeaseWaitEndedId, LogLevel.Debug, "Client {ClientName}: another instance is fetching {RequestUri} but stored nothing within {LeaseWait}; asking the origin.", EventName = "CacheLeaseWaitEnded")]
        public static partial void LeaseWaitEnded(ILogger logger, string clientName, LoggedUri requestUri, TimeSpan leaseWait);

        [LoggerMessage(CollapsedAcrossInstancesId, LogLevel.Debug, "Client {ClientName}: served {RequestUri} as another instance fetched and stored it.", EventName = "CacheCollapsedAcrossInstances")]
        public static partial void CollapsedAcrossInstances(ILogger logger, string clientName, LoggedUri requestUri);

        [LoggerMessage(HitId, LogLevel.Debug, "Client {ClientName}: served {RequestUri} from the cache.", EventName = "CacheHit")]
        public static partial void Hit(ILogger logger, string clientName, LoggedUri requestUri);

        [LoggerMessage(ForwardingId, LogLevel.Debug, "Client {ClientName}: forwarding {RequestUri} to the origin ({Reason}).", EventName = "CacheForward")]
        public static partial void Forwarding(ILogger logger, string clientName, LoggedUri requestUri, string reason);

        [LoggerMessage(StoredId, LogLevel.Debug, "Client {ClientName}: stored the {StatusCode} response for {RequestUri} ({BodyLength} bytes).", EventName = "CacheStored")]
        public static partial void Stored(ILogger logger, string clientName, LoggedUri requestUri, int statusCode, int bodyLength);

        [LoggerMessage(NotStoredId, LogLevel.Debug, "Client {ClientName}: did not store the {StatusCode} response for {RequestUri} ({Reason}).", EventName = "CacheNotStored")]
        public static partial void NotStored(ILogger logger, string clientName, LoggedUri requestUri, int statusCode, string reason);

        [LoggerMessage(RevalidatedId, LogLevel.Debug, "Client {ClientName}: the origin validated the stored response for {RequestUri} (304).", EventName = "CacheRevalidated")]
        public static partial void Revalidated(ILogger logger, string clientName, LoggedUri requestUri);

        [LoggerMessage(UnreadableRecordId, LogLevel.Warning, "Client {ClientName}: a stored record is truncated, foreign or from another format version; it is treated as a miss. {Suppressed} more like it were left out since the last.", EventName = "CacheRecordUnreadable")]
        public static partial void UnreadableRecord(ILogger logger, string clientName, int suppressed);

        [LoggerMessage(InvalidOptionsId, LogLevel.Error, "Client {ClientName}: the reloaded caching options are invalid and are ignored: {Message} {Suppressed} more like it were left out since the last.", EventName = "CacheOptionsInvalid")]
        public static partial void InvalidOptions(ILogger logger, string clientName, string message, int suppressed);

        [LoggerMessage(ServedStaleOnErrorId, LogLevel.Warning, "Client {ClientName}: the origin failed for {RequestUri}; served the stored response (stale-if-error). {Suppressed} more like it were left out since the last.", EventName = "CacheServedStaleOnError")]
        public static partial void ServedStaleOnError(ILogger logger, string clientName, LoggedUri requestUri, int suppressed, Exception? exception);

        [LoggerMessage(HoldingOffId, LogLevel.Information, "Client {ClientName}: the origin asked to be left alone for {Remaining}; served the stored response for {RequestUri}. {Suppressed} more like it were left out since the last.", EventName = "CacheHoldingOff")]
        public static partial void HoldingOff(ILogger logger, string clientName, LoggedUri requestUri, TimeSpan remaining, int suppressed);

        [LoggerMessage(ResponseRejectedId, LogLevel.Warning, "Client {ClientName}: ValidateResponse refused the {StatusCode} response for {RequestUri}; it was not stored. {Suppressed} more like it were left out since the last.", EventName = "CacheResponseRejected")]
        public static partial void ResponseRejected(ILogger logger, string clientName, LoggedUri requestUri, int statusCode, int suppressed);

        [LoggerMessage(ValidationFailedId, LogLevel.Warning, "Client {ClientName}: ValidateResponse threw for {RequestUri}; the response counts as refused.", EventName = "CacheValidationFailed")]
        public static partial void ValidationFailed(ILogger logger, string clientName, LoggedUri requestUri, Exception exception);

        [LoggerMessage(BackgroundRevalidationFailedId, LogLevel.Warning, "Client {ClientName}: the background revalidation of {RequestUri} failed; the stored response is left as it was. {Suppressed} more like it were left out since the last.", EventName = "CacheBackgroundRevalidationFailed")]
        public static partial void BackgroundRevalidationFailed(ILogger logger, string clientName, LoggedUri requestUri, int suppressed, Exception exception);

        [LoggerMessage(BackgroundRevalidationRefusedId, LogLevel.Warning, "Client {ClientName}: the background revalidation of {RequestUri} got {StatusCode} ({Reason}); the stored response is left as it was. {Suppressed} more like it were left out since the last.", EventName = "CacheBackgroundRevalidationRefused")]
        public static partial void BackgroundRevalidationRefused(ILogger logger, string clientName, LoggedUri requestUri, int statusCode, string reason, int suppressed);

        [LoggerMessage(ExceedsRecordLimitsId, LogLevel.Debug, "Client {ClientName}: did not store the {StatusCode} response for {RequestUri}, whose record could never be read back: {Limit}.", EventName = "CacheRecordLimitsExceeded")]
        public static partial void ExceedsRecordLimits(ILogger logger, string clientName, LoggedUri requestUri, int statusCode, string limit);

        [LoggerMessage(InvalidatedId, LogLevel.Debug, "Client {ClientName}: the stored response for {RequestUri} was invalidated.", EventName = "CacheInvalidated")]
        public static partial void Invalidated(ILogger logger, string clientName, LoggedUri requestUri);
    }
}
