using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// Vary (RFC 9111 §4.1). A response that varies is stored as one variant per combination of the request fields it
/// names: the URL's entry key holds a small Vary record with the field names, and each variant's entry lives under a
/// key derived from a hash of the request's (normalised) values for those fields. Values are only ever hashed, so
/// credentials or cookies a response varies on never appear in the store. A changed Vary list replaces the record, so
/// the old variants are never matched again.
/// </summary>
internal static class Variants
{
    /// <summary>The most field names a Vary record holds; a response that varies on more is not stored.</summary>
    public const int MaxNames = 64;

    /// <summary>
    /// The field names of a response's Vary, lower-cased, without duplicates and sorted; <see langword="null"/> when it
    /// has none; a single <c>*</c> when it varies on anything (never matched, so never stored).
    /// </summary>
    public static string[]? Names(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("Vary", out var lines))
        {
            return null;
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            foreach (var part in line.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*")
                {
                    return ["*"];
                }

                names.Add(part.ToLowerInvariant());
            }
        }

        return names.Count == 0 ? null : [.. names];
    }

    public static bool IsStar(string[] names) => names is ["*"];

    /// <summary>
    /// The id of the variant <paramref name="request"/> selects: a hash of each named field's normalised value (lists
    /// joined with a comma, white space around commas removed; absent fields distinct from empty ones).
    /// </summary>
    public static string Id(string[] names, HttpRequestMessage request, bool ignoreValidators = false)
    {
        var text = new StringBuilder();
        foreach (var name in names)
        {
            text.Append(name).Append('\n');
            if (ignoreValidators && name is "if-none-match" or "if-modified-since")
            {
                text.Append('\u0001');
            }
            else if (request.Headers.NonValidated.TryGetValues(name, out var values))
            {
                var first = true;
                foreach (var value in values)
                {
                    foreach (var item in value.Split(',', StringSplitOptions.TrimEntries))
                    {
                        if (!first)
                        {
                            text.Append(',');
                        }

                        text.Append(item);
                        first = false;
                    }
                }
            }
            else
            {
                text.Append('\u0000');
            }

            text.Append('\n');
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        return Base64Url.EncodeToString(hash[..16]);
    }

    /// <summary>A Vary record: the preamble, the number of names, each name (length-prefixed UTF-8), then a CRC-32C.</summary>
    public static byte[] Serialize(string[] names)
    {
        var size = RecordFormat.PreambleLength + 4 + RecordChecksum.Length;
        foreach (var name in names)
        {
            size += 4 + Encoding.UTF8.GetByteCount(name);
        }

        var record = new byte[size];
        RecordFormat.WritePreamble(record, RecordFormat.VaryKind);
        var position = RecordFormat.PreambleLength;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(position), names.Length);
        position += 4;
        foreach (var name in names)
        {
            var length = Encoding.UTF8.GetBytes(name, record.AsSpan(position + 4));
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(position), length);
            position += 4 + length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(position), RecordChecksum.Compute(record.AsSpan(0, position)));
        return record;
    }

    public static bool IsVaryRecord(ReadOnlySpan<byte> record) => RecordFormat.HasPreamble(record, RecordFormat.VaryKind);

    /// <summary>The names of a Vary record, or <see langword="null"/> when it does not parse exactly.</summary>
    public static string[]? TryDeserialize(byte[] whole)
    {
        if (!IsVaryRecord(whole)
            || whole.Length < RecordFormat.PreambleLength + 4 + RecordChecksum.Length
            || !RecordChecksum.Matches(whole, whole.AsSpan(0, whole.Length - RecordChecksum.Length), whole.AsSpan(whole.Length - RecordChecksum.Length)))
        {
            return null;
        }

        var record = whole.AsSpan(0, whole.Length - RecordChecksum.Length);

        var position = RecordFormat.PreambleLength;
        var count = BinaryPrimitives.ReadInt32LittleEndian(record[position..]);
        position += 4;
        if (count is <= 0 or > MaxNames)
        {
            return null;
        }

        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            if (record.Length - position < 4)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(record[position..]);
            position += 4;
            if (length <= 0 || length > record.Length - position)
            {
                return null;
            }

            names[i] = Encoding.UTF8.GetString(record.Slice(position, length));
            position += length;
        }

        return position == record.Length ? names : null;
    }
}
