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

    /// <summary>
    /// Checks that <paramref name="record"/> is a body record of exactly <paramref name="expectedLength"/> bytes whose
    /// body matches its checksum.
    /// </summary>
    public static bool IsValid(byte[] record, int expectedLength) =>
        RecordFormat.HasPreamble(record, RecordFormat.BodyKind)
        && record.Length == RecordFormat.BodyHeaderLength + expectedLength
        && BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength)) == expectedLength
        && RecordChecksum.Matches(record, record.AsSpan(RecordFormat.BodyHeaderLength), record.AsSpan(RecordFormat.PreambleLength + 4, RecordChecksum.Length));
}
