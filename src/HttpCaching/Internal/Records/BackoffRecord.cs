using System.Buffers.Binary;

namespace HttpCaching.Internal;

/// <summary>
/// A URL's origin back-off, stored apart from its entry: until when the origin is not to be called for it (a
/// <c>Retry-After</c>, or <see cref="ThirdPartyCachingOptions.OriginBackoff"/> after a failure), and since when: a
/// response received after that shows the origin answered well since, and the back-off no longer holds for it. The
/// record is the preamble, the two times in UTC ticks and a CRC-32C; it expires in the store when the back-off ends.
/// </summary>
internal static class BackoffRecord
{
    private const int Length = RecordFormat.PreambleLength + (2 * sizeof(long)) + RecordChecksum.Length;

    public static byte[] Serialize(DateTimeOffset until, DateTimeOffset since)
    {
        var record = new byte[Length];
        RecordFormat.WritePreamble(record, RecordFormat.BackoffKind);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength), until.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength + sizeof(long)), since.UtcTicks);
        var body = record.AsSpan(0, Length - RecordChecksum.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(Length - RecordChecksum.Length), RecordChecksum.Compute(body));
        return record;
    }

    /// <summary>The times a record holds, or <see langword="null"/> when it is not an intact back-off record.</summary>
    public static (DateTimeOffset Until, DateTimeOffset Since)? TryDeserialize(byte[]? record)
    {
        if (record is null
            || record.Length != Length
            || !RecordFormat.HasPreamble(record, RecordFormat.BackoffKind)
            || !RecordChecksum.Matches(record.AsSpan(0, Length - RecordChecksum.Length), record.AsSpan(Length - RecordChecksum.Length)))
        {
            return null;
        }

        var until = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength));
        var since = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength + sizeof(long)));
        return until is >= 0 and <= RecordLimits.MaxTicks && since is >= 0 and <= RecordLimits.MaxTicks
            ? (new DateTimeOffset(until, TimeSpan.Zero), new DateTimeOffset(since, TimeSpan.Zero))
            : null;
    }
}
