namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// What one sweep did: expired rows deleted and the delete statements (batches) that took; rows evicted for the size
/// bound, the bytes of their values and the batches that took; and the table's rows and bytes of values after the
/// sweep, as measured by it less what it evicted.
/// </summary>
internal readonly record struct SweepResult(
    long Deleted,
    int Batches,
    long Evicted,
    long EvictedBytes,
    int EvictionBatches,
    long Rows,
    long Bytes);
