using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace HttpCaching.Internal;

/// <summary>
/// CRC-32C over a record's contents, so that a record damaged in the store (a flipped byte, a torn write) is a miss,
/// never a wrong response. It detects accidents, not attacks: that is what the integrity keys are for. A record
/// array that passed the check once is remembered by identity, so stores that return the same array on every read
/// (the in-memory store, the near cache) pay for the check only once.
/// </summary>
internal static class RecordChecksum
{
    public const int Length = 4;

    private static readonly ConditionalWeakTable<byte[], object> Verified = [];

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

    /// <summary>Whether <paramref name="data"/> (part of <paramref name="record"/>) has the checksum stored at <paramref name="checksum"/>.</summary>
    public static bool Matches(byte[] record, ReadOnlySpan<byte> data, ReadOnlySpan<byte> checksum)
    {
        if (Verified.TryGetValue(record, out _))
        {
            return true;
        }

        if (Compute(data) != BinaryPrimitives.ReadUInt32LittleEndian(checksum))
        {
            return false;
        }

        Verified.TryAdd(record, Verified);
        return true;
    }
}
