namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// One step of the cache table's schema: the statements that take a table from <see cref="Version"/> - 1 to
/// <see cref="Version"/>. Steps are only ever appended, and each keeps the table readable by the releases before it
/// (new columns are nullable or have defaults), so instances of two releases can share a table during a rollout.
/// </summary>
internal sealed record Migration(int Version, Func<CacheTable, string[]> Statements);
