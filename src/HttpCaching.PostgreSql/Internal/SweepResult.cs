namespace HttpCaching.PostgreSql.Internal;

/// <summary>What one sweep did: rows deleted, and the delete statements (batches) it took.</summary>
internal readonly record struct SweepResult(long Deleted, int Batches);
