namespace HttpCaching.Internal;

/// <summary>
/// The framing shared by every record the library writes: a 4-byte magic, the record kind and the format version.
/// A record whose framing does not match is foreign or from another release and is treated as a miss.
/// </summary>
internal static class RecordFormat
{
    /// <summary>The current format version. Bump it whenever the layout of a record changes.</summary>
    public const byte Version = 4;

    public const byte EntryKind = (byte)'E';

    public const byte BodyKind = (byte)'B';

    public const byte VaryKind = (byte)'V';

    public const byte BackoffKind = (byte)'R';

    /// <summary>Magic (4) + kind (1) + version (1).</summary>
    public const int PreambleLength = 6;

    /// <summary>The body record's header: preamble + body length (4) + CRC-32C of the body (4).</summary>
    public const int BodyHeaderLength = PreambleLength + 4 + RecordChecksum.Length;

    public static ReadOnlySpan<byte> Magic => "HCR\0"u8;

    public static void WritePreamble(Span<byte> destination, byte kind)
    {
        Magic.CopyTo(destination);
        destination[4] = kind;
        destination[5] = Version;
    }

    public static bool HasPreamble(ReadOnlySpan<byte> record, byte kind) =>
        record.Length >= PreambleLength
        && record[..4].SequenceEqual(Magic)
        && record[4] == kind
        && record[5] == Version;
}
