using Microsoft.Extensions.Logging;

namespace HttpCaching.PostgreSql.Internal;

internal sealed partial class PostgreSqlCacheStore
{
    /// <summary>
    /// The store's log messages. Event ids are part of the public contract. No message carries a key, a value or any
    /// part of the connection string; schema and table names are configuration, not secrets. Npgsql's own messages go to
    /// the same logger factory under the <c>Npgsql</c> categories.
    /// </summary>
    internal static partial class Log
    {
        public const int MigratedId = 1;
        public const int NewerSchemaId = 2;
        public const int ExpiredItemsDeletedId = 3;
        public const int SweepFailedId = 4;
        public const int EvictedId = 5;
        public const int BackplaneInterruptedId = 6;
        public const int BackplaneRestoredId = 7;
        public const int ValueTooLargeId = 8;

        [LoggerMessage(ValueTooLargeId, LogLevel.Warning, "PostgreSQL cache table {SchemaName}.{TableName}: a row holds a value of {Size} bytes, over MaxValueSize ({MaxValueSize} bytes), which this store never writes; it was read as missing ({Suppressed} more since this was last logged).", EventName = "PostgreSqlCacheValueTooLarge")]
        public static partial void ValueTooLarge(ILogger logger, string schemaName, string tableName, int size, int maxValueSize, int suppressed);

        [LoggerMessage(EventId = BackplaneInterruptedId, Message = "PostgreSQL cache table {SchemaName}.{TableName}: the backplane's LISTEN connection failed; it reconnects in {Retry}. Until it is back, other instances' changes reach this one only after its near-cache window.", EventName = "PostgreSqlBackplaneInterrupted")]
        public static partial void BackplaneInterrupted(ILogger logger, LogLevel level, string schemaName, string tableName, TimeSpan retry, Exception exception);

        [LoggerMessage(BackplaneRestoredId, LogLevel.Information, "PostgreSQL cache table {SchemaName}.{TableName}: the backplane's LISTEN connection is back.", EventName = "PostgreSqlBackplaneRestored")]
        public static partial void BackplaneRestored(ILogger logger, string schemaName, string tableName);

        [LoggerMessage(MigratedId, LogLevel.Information, "PostgreSQL cache table {SchemaName}.{TableName} migrated from schema version {FromVersion} to {ToVersion}.", EventName = "PostgreSqlCacheMigrated")]
        public static partial void Migrated(ILogger logger, string schemaName, string tableName, int fromVersion, int toVersion);

        [LoggerMessage(NewerSchemaId, LogLevel.Warning, "PostgreSQL cache table {SchemaName}.{TableName} is at schema version {Version}, newer than the {KnownVersion} this release knows; it is used as it is.", EventName = "PostgreSqlCacheNewerSchema")]
        public static partial void NewerSchema(ILogger logger, string schemaName, string tableName, int version, int knownVersion);

        [LoggerMessage(ExpiredItemsDeletedId, LogLevel.Debug, "PostgreSQL cache table {SchemaName}.{TableName}: deleted {Count} expired rows in {Batches} batches.", EventName = "PostgreSqlCacheExpiredItemsDeleted")]
        public static partial void ExpiredItemsDeleted(ILogger logger, string schemaName, string tableName, long count, int batches);

        [LoggerMessage(SweepFailedId, LogLevel.Warning, "PostgreSQL cache table {SchemaName}.{TableName}: the sweep (expired rows, then the size bound) failed; the next sweep tries again.", EventName = "PostgreSqlCacheSweepFailed")]
        public static partial void SweepFailed(ILogger logger, string schemaName, string tableName, Exception exception);

        [LoggerMessage(EvictedId, LogLevel.Information, "PostgreSQL cache table {SchemaName}.{TableName} held {Rows} rows with {Bytes} bytes of values, over its bound (MaxSize {MaxSize}, MaxRows {MaxRows}): evicted the {Evicted} least recently used rows ({EvictedBytes} bytes) in {Batches} batches.", EventName = "PostgreSqlCacheEvicted")]
        public static partial void Evicted(ILogger logger, string schemaName, string tableName, long rows, long bytes, long? maxSize, int? maxRows, long evicted, long evictedBytes, int batches);
    }
}
