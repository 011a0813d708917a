using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

internal sealed partial class ProtectedDistributedCache
{
    /// <summary>Security events. Messages never carry a store key, a record or key material.</summary>
    internal static partial class Log
    {
        public const int RecordTamperedId = HttpCachingDiagnostics.CacheRecordTamperedEventId;

        [LoggerMessage(RecordTamperedId, LogLevel.Warning, "Client {ClientName}: a stored record failed its integrity check ({Reason}); it was not served and counts as a miss.", EventName = "CacheRecordTampered")]
        public static partial void RecordTampered(ILogger logger, string clientName, string reason);
    }
}
