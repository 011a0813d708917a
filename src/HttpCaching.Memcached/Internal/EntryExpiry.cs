using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// When an entry expires: an absolute instant (UTC ticks, 0 for none) and a sliding window (ticks, 0 for none), as
/// stored in the value's header, and how they map to memcached's TTLs.
/// </summary>
/// <remarks>
/// memcached reads an expiration time of up to 30 days (2,592,000 seconds) as seconds from now and anything larger as
/// a Unix time; 0 means never, and a negative one means already expired. A TTL is rounded up to whole seconds, so the
/// server never drops an entry before its time; the store checks the exact instant itself on every read, by its
/// <see cref="TimeProvider"/>, so an entry is never served after it either.
/// </remarks>
internal readonly record struct EntryExpiry(long AbsoluteTicks, long SlidingTicks)
{
    /// <summary>The largest TTL memcached reads as relative: 30 days, in seconds.</summary>
    public const long MaxRelativeSeconds = 60 * 60 * 24 * 30;

    /// <summary>The client-flags bit that says a sliding entry has an absolute cap too.</summary>
    public const uint CappedFlag = 0x8000_0000;

    public bool HasAbsolute => AbsoluteTicks != 0;

    public bool IsSliding => SlidingTicks != 0;

    /// <summary>The expiry of <paramref name="options"/> as of <paramref name="now"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A relative expiration or a sliding window that is not positive.</exception>
    public static EntryExpiry From(DistributedCacheEntryOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        long absolute = 0;
        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(relative, TimeSpan.Zero, nameof(options.AbsoluteExpirationRelativeToNow));
            absolute = relative.Ticks >= DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks ? DateTimeOffset.MaxValue.UtcTicks : now.UtcTicks + relative.Ticks;
        }
        else if (options.AbsoluteExpiration is { } instant)
        {
            absolute = Math.Max(instant.UtcTicks, 1);
        }

        long sliding = 0;
        if (options.SlidingExpiration is { } window)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero, nameof(options.SlidingExpiration));
            sliding = window.Ticks;
        }

        return new EntryExpiry(absolute, sliding);
    }

    /// <summary>Whether the entry's absolute instant has come, by <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => HasAbsolute && now.UtcTicks >= AbsoluteTicks;

    /// <summary>
    /// The TTL to send: 0 when the entry never expires, -1 when it has expired already, else seconds from now (up to 30
    /// days) or a Unix time. A sliding window is counted from now, capped by the absolute instant.
    /// </summary>
    public long ServerTtl(DateTimeOffset now)
    {
        if (!HasAbsolute && !IsSliding)
        {
            return 0;
        }

        var remaining = HasAbsolute ? AbsoluteTicks - now.UtcTicks : long.MaxValue;
        if (IsSliding && SlidingTicks < remaining)
        {
            remaining = SlidingTicks;
        }

        return Ttl(now, remaining);
    }

    /// <summary>The seconds the entry has from now, rounded up, as memcached counts a relative TTL (long for none).</summary>
    public long RemainingSeconds(DateTimeOffset now)
    {
        var remaining = HasAbsolute ? AbsoluteTicks - now.UtcTicks : long.MaxValue;
        if (IsSliding && SlidingTicks < remaining)
        {
            remaining = SlidingTicks;
        }

        return remaining == long.MaxValue ? long.MaxValue : Math.Max(CeilingSeconds(remaining), 0);
    }

    /// <summary>The client flags stored with the value: the sliding window in seconds (0 when not sliding), and <see cref="CappedFlag"/>.</summary>
    public uint ClientFlags()
    {
        if (!IsSliding)
        {
            return 0;
        }

        var seconds = Math.Min(CeilingSeconds(SlidingTicks), 0x7FFF_FFFF);
        return (uint)seconds | (HasAbsolute ? CappedFlag : 0);
    }

    /// <summary>The TTL for <paramref name="remainingTicks"/> from <paramref name="now"/> (see <see cref="ServerTtl"/>).</summary>
    public static long Ttl(DateTimeOffset now, long remainingTicks)
    {
        if (remainingTicks <= 0)
        {
            return -1;
        }

        var seconds = CeilingSeconds(remainingTicks);
        if (seconds <= MaxRelativeSeconds)
        {
            return seconds;
        }

        // Beyond 30 days memcached wants a Unix time, which it reads as a 32-bit number: later than 2038 is clamped there
        // (the store's own check of the instant still applies).
        var unixTicks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var unix = remainingTicks >= long.MaxValue - unixTicks ? long.MaxValue / TimeSpan.TicksPerSecond : CeilingSeconds(unixTicks + remainingTicks);
        return Math.Min(unix, int.MaxValue);
    }

    private static long CeilingSeconds(long ticks) => (ticks / TimeSpan.TicksPerSecond) + (ticks % TimeSpan.TicksPerSecond == 0 ? 0 : 1);
}
