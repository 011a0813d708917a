using System.Buffers.Binary;

namespace HttpCaching.Internal;

/// <summary>
/// A URL's origin back-off, stored apart from its entry: until when the origin is not to be called for it (a
/// <c>Retry-After</c>, or <see cref="ThirdPartyCachingOptions.OriginBackoff"/> after a failure). The record is the
/// preamble, the time in UTC ticks and a CRC-32C; it expires in the store when the back-off ends.
/// </summary>
internal static class BackoffRecord
{
    private const int Length = RecordFormat.PreambleLength + sizeof(long) + RecordChecksum.Length;

    public static byte[] Serialize(DateTimeOffset until)
    {
        var record = new byte[Length];
        RecordFormat.WritePreamble(record, RecordFormat.BackoffKind);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength), until.UtcTicks);
        var body = record.AsSpan(0, Length - RecordChecksum.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(Length - RecordChecksum.Length), RecordChecksum.Compute(body));
        return record;
    }

    /// <summary>The time a record holds, or <see langword="null"/> when it is not an intact back-off record.</summary>
    public static DateTimeOffset? TryDeserialize(byte[]? record)
    {
        if (record is null
            || record.Length != Length
            || !RecordFormat.HasPreamble(record, RecordFormat.BackoffKind)
            || !RecordChecksum.Matches(record, record.AsSpan(0, Length - RecordChecksum.Length), record.AsSpan(Length - RecordChecksum.Length)))
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(RecordFormat.PreambleLength));
        return ticks is >= 0 and <= 3155378975999999999 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }
}
