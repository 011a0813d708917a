using System.Buffers.Binary;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// Overwrites one numeric field of an entry record in place and reseals its checksum, the way a store without
/// integrity keys could be made to hold any value. Fields are found by walking the record's layout.
/// </summary>
public static class EntryRecordPatcher
{
    /// <summary>The numeric fields of an entry record, by name, with their width in bytes.</summary>
    public static IReadOnlyDictionary<string, int> Widths { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["status"] = 4,
        ["responseTime"] = 8,
        ["age"] = 8,
        ["lifetime"] = 8,
        ["flags"] = 4,
        ["heuristic"] = 1,
        ["staleWhileRevalidate"] = 8,
        ["staleIfError"] = 8,
        ["retryAfter"] = 8,
        ["bodyLength"] = 4,
    };

    public static byte[] With(byte[] record, string field, long value)
    {
        var patched = (byte[])record.Clone();
        var offset = Offset(patched, field);
        switch (Widths[field])
        {
            case 1:
                patched[offset] = unchecked((byte)value);
                break;
            case 4:
                BinaryPrimitives.WriteInt32LittleEndian(patched.AsSpan(offset), unchecked((int)value));
                break;
            default:
                BinaryPrimitives.WriteInt64LittleEndian(patched.AsSpan(offset), value);
                break;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(
            patched.AsSpan(patched.Length - RecordChecksum.Length),
            RecordChecksum.Compute(patched.AsSpan(0, patched.Length - RecordChecksum.Length)));
        return patched;
    }

    private static int Offset(byte[] record, string field)
    {
        var position = RecordFormat.PreambleLength;
        if (field == "status")
        {
            return position;
        }

        position += 4;
        position = SkipString(record, position);
        position += 2; // HTTP version, major and minor
        foreach (var (name, width) in new[] { ("responseTime", 8), ("age", 8), ("lifetime", 8), ("flags", 4), ("heuristic", 1), ("staleWhileRevalidate", 8), ("staleIfError", 8), ("retryAfter", 8) })
        {
            if (name == field)
            {
                return position;
            }

            position += width;
        }

        // ETag, Last-Modified and the version id, then the body length.
        for (var i = 0; i < 3; i++)
        {
            position = SkipString(record, position);
        }

        return field == "bodyLength" ? position : throw new ArgumentOutOfRangeException(nameof(field), field, "Not a numeric field of an entry record.");
    }

    private static int SkipString(byte[] record, int position)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(position));
        return position + 4 + Math.Max(length, 0);
    }
}
