using System.Buffers.Binary;

namespace HttpCaching.Internal;

/// <summary>
/// The immutable version record that holds a response body: the preamble, the body length, the body's CRC-32C, then
/// the body bytes.
/// Bodies are read from the origin straight into a buffer that already has room for the header, so storing a body
/// costs no extra copy, and a stored record is served without copying.
/// </summary>
internal static class BodyRecord
{
    /// <summary>Allocates a record with room for a body of <paramref name="bodyLength"/> bytes after the header.</summary>
    public static byte[] Allocate(int bodyLength)
    {
        var record = GC.AllocateUninitializedArray<byte>(RecordFormat.BodyHeaderLength + bodyLength);
        RecordFormat.WritePreamble(record, RecordFormat.BodyKind);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength), bodyLength);
        return record;
    }

    /// <summary>Writes the checksum of the body into the header, once the body has been read in.</summary>
    public static void Seal(byte[] record)
    {
        var checksum = RecordChecksum.Compute(record.AsSpan(RecordFormat.BodyHeaderLength));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength + 4), checksum);
    }

    /// <summary>
    /// The body <paramref name="record"/> holds: every byte after its header. Callers read the body through this and
    /// <see cref="Content"/> only, so the layout of the record stays here.
    /// </summary>
    public static ReadOnlyMemory<byte> Body(byte[] record) => record.AsMemory(RecordFormat.BodyHeaderLength);

    /// <summary>
    /// A content that serves the body of <paramref name="record"/> without copying it. The record is shared by every
    /// response served from it; <see cref="ByteArrayContent"/> only ever reads it.
    /// </summary>
    public static ByteArrayContent Content(byte[] record) =>
        new(record, RecordFormat.BodyHeaderLength, record.Length - RecordFormat.BodyHeaderLength);

    /// <summary>The checksum a sealed record holds of its body (<see cref="Seal"/>); the entry that points at it records it too.</summary>
    public static uint Checksum(byte[] record) => BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength + 4));

    /// <summary>
    /// Checks that the record <paramref name="held"/> is a body record of exactly <paramref name="expectedLength"/> bytes whose
    /// body matches its checksum, and that this checksum is <paramref name="expectedChecksum"/>, the one the entry
    /// recorded: another URL's or version's intact body record of the same length (a store that mixed up keys) is not
    /// the body the entry names.
    /// </summary>
    /// <remarks>
    /// The checksum of a held record's body is computed once (<see cref="HeldRecord.Verified"/>): what it found is about
    /// the array alone, so the checks that compare with the entry are made on every call.
    /// </remarks>
    public static bool IsValid(HeldRecord held, int expectedLength, uint expectedChecksum)
    {
        var record = held.Data;
        if (!RecordFormat.HasPreamble(record, RecordFormat.BodyKind)
            || record.Length != RecordFormat.BodyHeaderLength + expectedLength
            || BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength)) != expectedLength
            || Checksum(record) != expectedChecksum)
        {
            return false;
        }

        if (held.Verified)
        {
            return true;
        }

        if (!RecordChecksum.Matches(record.AsSpan(RecordFormat.BodyHeaderLength), record.AsSpan(RecordFormat.PreambleLength + 4, RecordChecksum.Length)))
        {
            return false;
        }

        held.Verified = true;
        return true;
    }
}
