using System.Buffers.Binary;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// The 20 bytes the store puts before every value: the magic <c>HCM</c>, a version byte, the absolute expiry (UTC
/// ticks, 0 for none) and the sliding window (ticks, 0 for none), little-endian. The store keeps the expiry itself so
/// that it can check the exact instant and touch a sliding entry by its window on read; a value without a valid header
/// was not written by this store and is never returned.
/// </summary>
internal static class ValueHeader
{
    public const int Length = 20;

    public const byte Version = 1;

    public static void Write(Span<byte> destination, EntryExpiry expiry)
    {
        destination[0] = (byte)'H';
        destination[1] = (byte)'C';
        destination[2] = (byte)'M';
        destination[3] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(destination[4..], expiry.AbsoluteTicks);
        BinaryPrimitives.WriteInt64LittleEndian(destination[12..], expiry.SlidingTicks);
    }

    /// <summary>Reads a header; false when the bytes are not one this store writes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out EntryExpiry expiry)
    {
        expiry = default;
        if (source.Length < Length || source[0] != (byte)'H' || source[1] != (byte)'C' || source[2] != (byte)'M' || source[3] != Version)
        {
            return false;
        }

        var absolute = BinaryPrimitives.ReadInt64LittleEndian(source[4..]);
        var sliding = BinaryPrimitives.ReadInt64LittleEndian(source[12..]);
        if (absolute < 0 || absolute > DateTimeOffset.MaxValue.UtcTicks || sliding < 0)
        {
            return false;
        }

        expiry = new EntryExpiry(absolute, sliding);
        return true;
    }
}
