using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// When a row stops being readable, from <see cref="DistributedCacheEntryOptions"/> and the application's clock:
/// <see cref="ExpiresAt"/> is the current end of life, which reads and refreshes move forward by
/// <see cref="SlidingExpiration"/> but never past <see cref="AbsoluteExpiration"/>. All instants are UTC.
/// </summary>
internal readonly record struct EntryLifetime(DateTime ExpiresAt, TimeSpan? SlidingExpiration, DateTime? AbsoluteExpiration)
{
    /// <summary>
    /// The lifetime of an entry written at <paramref name="now"/>, or <see langword="null"/> when its absolute
    /// expiration has already passed. <see cref="DistributedCacheEntryOptions.AbsoluteExpirationRelativeToNow"/> wins
    /// over <see cref="DistributedCacheEntryOptions.AbsoluteExpiration"/>, as in the memory and SQL Server caches; with
    /// neither and no sliding expiration, <paramref name="defaultSlidingExpiration"/> applies.
    /// </summary>
    public static EntryLifetime? From(DateTimeOffset now, DistributedCacheEntryOptions options, TimeSpan defaultSlidingExpiration)
    {
        var utcNow = now.UtcDateTime;
        DateTime? absolute = options.AbsoluteExpirationRelativeToNow is { } relative
            ? Add(utcNow, relative)
            : options.AbsoluteExpiration?.UtcDateTime;
        if (absolute <= utcNow)
        {
            return null;
        }

        var sliding = options.SlidingExpiration ?? (absolute is null ? defaultSlidingExpiration : null);
        var expiresAt = sliding is { } window
            ? Min(Add(utcNow, window), absolute ?? DateTime.MaxValue)
            : absolute!.Value;
        return new EntryLifetime(DateTime.SpecifyKind(expiresAt, DateTimeKind.Utc), sliding, absolute is { } a ? DateTime.SpecifyKind(a, DateTimeKind.Utc) : null);
    }

    /// <summary>Adds without overflowing: <see cref="DateTime.MaxValue"/> is written as PostgreSQL's <c>infinity</c>.</summary>
    private static DateTime Add(DateTime instant, TimeSpan span) =>
        span >= DateTime.MaxValue - instant ? DateTime.MaxValue : instant + span;

    private static DateTime Min(DateTime a, DateTime b) => a <= b ? a : b;
}
