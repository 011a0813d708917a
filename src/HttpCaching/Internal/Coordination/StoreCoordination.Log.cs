using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

internal sealed partial class StoreCoordination
{
    /// <summary>Coordination failures, under <see cref="HttpCachingDiagnostics.StoreLoggerCategory"/>. Messages never carry a store key.</summary>
    internal static partial class Log
    {
        public const int CoordinationFailedId = HttpCachingDiagnostics.CacheCoordinationFailedEventId;

        [LoggerMessage(CoordinationFailedId, LogLevel.Warning, "The cache store's coordination failed ({Operation}); requests go on as on a single instance (a lost change costs other instances at most their near-cache window). {Suppressed} more like it were left out since the last.", EventName = "CacheCoordinationFailed")]
        public static partial void CoordinationFailed(ILogger logger, string operation, int suppressed, Exception exception);
    }
}
