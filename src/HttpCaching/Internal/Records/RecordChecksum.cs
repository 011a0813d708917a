using System.Buffers.Binary;
using System.Numerics;

namespace HttpCaching.Internal;

/// <summary>
/// CRC-32C over a record's contents, so that a record damaged in the store (a flipped byte, a torn write) is a miss,
/// never a wrong response. It detects accidents, not attacks: that is what the integrity keys are for. A body record
/// held in memory is checked once (<see cref="HeldRecord.Verified"/>); entry records once per decoding.
/// </summary>
internal static class RecordChecksum
{
    public const int Length = 4;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>Whether <paramref name="data"/> has the checksum stored at <paramref name="checksum"/>.</summary>
    public static bool Matches(ReadOnlySpan<byte> data, ReadOnlySpan<byte> checksum) =>
        Compute(data) == BinaryPrimitives.ReadUInt32LittleEndian(checksum);
}
