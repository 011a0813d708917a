using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Net.Http.Headers;
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
    /// <summary>
    /// The field names of a response's Vary, lower-cased, without duplicates and sorted; <see langword="null"/> when it
    /// has none; a single <c>*</c> when it varies on anything (never matched, so never stored).
    /// </summary>
    public static string[]? Names(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("Vary", out var lines) ? Names(lines) : null;

    /// <summary>The field names of a stored response's Vary, as <see cref="Names(HttpResponseMessage)"/> gives them.</summary>
    public static string[]? Names(CachedHeader[] headers)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals("Vary", StringComparison.OrdinalIgnoreCase))
            {
                return Names(header.Values);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a 304 or HEAD response changed what the stored response varies on: the updated one would then be found
    /// by the names it was stored under, not by those it now says select it (RFC 9111 §4.1).
    /// </summary>
    public static bool Changed(CacheEntry stored, CacheEntry updated) =>
        !(Names(stored.Headers) ?? []).AsSpan().SequenceEqual(Names(updated.Headers) ?? []);

    private static string[]? Names(IEnumerable<string> lines)
    {
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
    /// The id of the variant <paramref name="request"/> selects: a hash of each named field's normalised value
    /// (<see cref="AppendNormalised"/>; absent fields distinct from empty ones).
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
                AppendNormalised(text, name, values);
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

    /// <summary>
    /// A field's lines, normalised: list members trimmed and joined with a comma, commas inside quoted strings kept
    /// (RFC 9110 §5.6); <c>Cookie</c>, which is no list, by its own rule: its lines and pairs joined with <c>"; "</c>
    /// (RFC 6265 §5.4), so two lines equal one with both pairs and never one with a comma in a value.
    /// </summary>
    private static void AppendNormalised(StringBuilder text, string name, HeaderStringValues values)
    {
        // The lines first make one value, as they go out (RFC 9110 §5.3; a quoted string can span two of them), which is
        // then split into members.
        var cookie = name == "cookie";
        var joined = values.Count == 1 ? values.ToString() : string.Join(cookie ? "; " : ", ", values);
        var first = true;
        foreach (var item in cookie ? joined.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : FieldList.Items(joined, quotedPairs: true))
        {
            if (!first)
            {
                text.Append(cookie ? "; " : ",");
            }

            text.Append(item);
            first = false;
        }
    }

    /// <summary>The length of a Vary record's generation, in bytes.</summary>
    public const int GenerationLength = 16;

    /// <summary>A new generation for a Vary record that replaces none with the same names.</summary>
    public static string NewGeneration() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(GenerationLength));

    /// <summary>A Vary record with a new generation.</summary>
    public static byte[] Serialize(string[] names) => Serialize(names, NewGeneration());

    /// <summary>
    /// A Vary record: the preamble, the number of names, each name (length-prefixed UTF-8), the generation (16 bytes),
    /// then a CRC-32C. The generation is part of every variant's key: once the record is removed (an invalidation), the
    /// next one has another generation, so no variant stored before can ever be matched again.
    /// </summary>
    public static byte[] Serialize(string[] names, string generation)
    {
        Span<byte> generationBytes = stackalloc byte[GenerationLength];
        if (!Base64Url.TryDecodeFromChars(generation, generationBytes, out var written) || written != GenerationLength)
        {
            throw new ArgumentException("Not a Vary record generation.", nameof(generation));
        }

        var size = RecordFormat.PreambleLength + 4 + GenerationLength + RecordChecksum.Length;
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

        generationBytes.CopyTo(record.AsSpan(position));
        position += GenerationLength;
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(position), RecordChecksum.Compute(record.AsSpan(0, position)));
        return record;
    }

    public static bool IsVaryRecord(ReadOnlySpan<byte> record) => RecordFormat.HasPreamble(record, RecordFormat.VaryKind);

    /// <summary>The names of a Vary record, or <see langword="null"/> when it does not parse exactly.</summary>
    public static string[]? TryDeserialize(byte[] whole) => TryRead(whole, out var names, out _) ? names : null;

    /// <summary>Reads a Vary record exactly: its names and its generation.</summary>
    public static bool TryRead(byte[] whole, out string[] names, out string generation)
    {
        names = null!;
        generation = null!;
        if (!IsVaryRecord(whole)
            || whole.Length < RecordFormat.PreambleLength + 4 + GenerationLength + RecordChecksum.Length
            || !RecordChecksum.Matches(whole.AsSpan(0, whole.Length - RecordChecksum.Length), whole.AsSpan(whole.Length - RecordChecksum.Length)))
        {
            return false;
        }

        var record = whole.AsSpan(0, whole.Length - RecordChecksum.Length - GenerationLength);

        var position = RecordFormat.PreambleLength;
        var count = BinaryPrimitives.ReadInt32LittleEndian(record[position..]);
        position += 4;
        if (count is <= 0 or > RecordLimits.MaxVaryFields)
        {
            return false;
        }

        var read = new string[count];
        for (var i = 0; i < count; i++)
        {
            if (record.Length - position < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(record[position..]);
            position += 4;
            if (length <= 0 || length > record.Length - position)
            {
                return false;
            }

            read[i] = Encoding.UTF8.GetString(record.Slice(position, length));
            position += length;
        }

        if (position != record.Length)
        {
            return false;
        }

        names = read;
        generation = Base64Url.EncodeToString(whole.AsSpan(record.Length, GenerationLength));
        return true;
    }
}
