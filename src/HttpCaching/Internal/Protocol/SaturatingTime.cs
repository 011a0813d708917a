namespace HttpCaching.Internal;

/// <summary>Instant arithmetic that saturates at the ends of <see cref="DateTimeOffset"/> instead of throwing.</summary>
internal static class SaturatingTime
{
    /// <summary><paramref name="instant"/> plus <paramref name="first"/> and <paramref name="second"/>, in UTC, within the range of <see cref="DateTimeOffset"/>.</summary>
    public static DateTimeOffset Add(DateTimeOffset instant, TimeSpan first, TimeSpan second)
    {
        var ticks = (Int128)instant.UtcTicks + first.Ticks + second.Ticks;
        return new DateTimeOffset((long)Int128.Clamp(ticks, 0, RecordLimits.MaxTicks), TimeSpan.Zero);
    }
}
