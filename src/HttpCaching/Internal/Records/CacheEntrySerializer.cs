using System.Buffers.Binary;
using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// Reads and writes <see cref="CacheEntry"/> records. The layout is little-endian and length-prefixed after the
/// common preamble, and ends with a CRC-32C of everything before it; anything that does not parse exactly (damaged,
/// truncated, trailing bytes, foreign, another format version) yields <see langword="null"/>, never an exception,
/// and so does a record with a value beyond <see cref="RecordLimits"/>. The writer clamps each time and duration to
/// those bounds (a value beyond them means the same as the bound), so what it writes is always read back.
/// </summary>
internal static class CacheEntrySerializer
{
    public static byte[] Serialize(CacheEntry entry)
    {
        var size = RecordFormat.PreambleLength
            + 4 + SizeOf(entry.ReasonPhrase) + 2
            + (8 * 3) + 4 + 1 + (8 * 3)
            + SizeOf(entry.ETag) + SizeOf(entry.LastModified) + SizeOf(entry.VersionId)
            + 4 + 4
            + SizeOf(entry.Headers) + SizeOf(entry.ContentHeaders)
            + RecordChecksum.Length;

        var buffer = new byte[size];
        RecordFormat.WritePreamble(buffer, RecordFormat.EntryKind);
        var writer = new Writer(buffer, RecordFormat.PreambleLength);
        writer.Int32(entry.StatusCode);
        writer.String(entry.ReasonPhrase);
        writer.Byte((byte)entry.HttpVersion.Major);
        writer.Byte((byte)Math.Max(0, entry.HttpVersion.Minor));
        writer.Int64(entry.ResponseTime.UtcTicks);
        writer.Int64(Math.Clamp(entry.CorrectedInitialAge.Ticks, 0, RecordLimits.MaxTicks));
        writer.Int64(Math.Clamp(entry.FreshnessLifetime.Ticks, 0, RecordLimits.MaxLifetimeTicks));
        writer.Int32((int)entry.Flags & RecordLimits.KnownFlags);
        writer.Byte(entry.HeuristicFreshness ? (byte)1 : (byte)0);
        writer.Int64(Delta(entry.StaleWhileRevalidate));
        writer.Int64(Delta(entry.StaleIfError));
        writer.Int64(entry.RetryAfter.UtcTicks);
        writer.String(entry.ETag);
        writer.String(entry.LastModified);
        writer.String(entry.VersionId);
        writer.Int32(entry.BodyLength);
        writer.Int32(unchecked((int)entry.BodyChecksum));
        writer.Headers(entry.Headers);
        writer.Headers(entry.ContentHeaders);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(size - RecordChecksum.Length), RecordChecksum.Compute(buffer.AsSpan(0, size - RecordChecksum.Length)));
        return buffer;
    }

    public static CacheEntry? TryDeserialize(byte[] record)
    {
        if (!RecordFormat.HasPreamble(record, RecordFormat.EntryKind)
            || record.Length < RecordFormat.PreambleLength + RecordChecksum.Length
            || !RecordChecksum.Matches(record.AsSpan(0, record.Length - RecordChecksum.Length), record.AsSpan(record.Length - RecordChecksum.Length)))
        {
            return null;
        }

        try
        {
            var reader = new Reader(record.AsSpan(0, record.Length - RecordChecksum.Length), RecordFormat.PreambleLength);
            var status = reader.Int32();
            var reason = reader.String();
            var major = reader.Byte();
            var minor = reader.Byte();
            var responseTime = reader.Int64();
            var age = reader.Int64();
            var lifetime = reader.Int64();
            var flags = reader.Int32();
            var heuristic = reader.Byte();
            var swr = reader.Int64();
            var sie = reader.Int64();
            var retryAfter = reader.Int64();
            var etag = reader.String();
            var lastModified = reader.String();
            var versionId = reader.String();
            var bodyLength = reader.Int32();
            var bodyChecksum = unchecked((uint)reader.Int32());
            var headers = reader.Headers();
            var contentHeaders = reader.Headers();

            if (!reader.AtEnd || status is < 100 or > 999 || versionId is null || RecordLimits.HasForbiddenCharacter(reason)
                || bodyLength is < 0 or > RecordLimits.MaxBodyLength
                || age is < 0 or > RecordLimits.MaxTicks
                || lifetime is < 0 or > RecordLimits.MaxLifetimeTicks
                || responseTime is < 0 or > RecordLimits.MaxTicks
                || retryAfter is < 0 or > RecordLimits.MaxTicks
                || (flags & ~RecordLimits.KnownFlags) != 0
                || heuristic > 1
                || !IsDelta(swr)
                || !IsDelta(sie))
            {
                return null;
            }

            return new CacheEntry
            {
                StatusCode = status,
                ReasonPhrase = reason,
                HttpVersion = new Version(major, minor),
                ResponseTime = new DateTimeOffset(responseTime, TimeSpan.Zero),
                CorrectedInitialAge = TimeSpan.FromTicks(age),
                FreshnessLifetime = TimeSpan.FromTicks(lifetime),
                Flags = (CacheControlFlags)flags,
                HeuristicFreshness = heuristic == 1,
                StaleWhileRevalidate = swr,
                StaleIfError = sie,
                RetryAfter = new DateTimeOffset(retryAfter, TimeSpan.Zero),
                ETag = etag,
                LastModified = lastModified,
                VersionId = versionId,
                BodyLength = bodyLength,
                BodyChecksum = bodyChecksum,
                Headers = headers,
                ContentHeaders = contentHeaders,
            };
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A delta-seconds directive as stored: absent, invalid, or at most <see cref="RecordLimits.MaxDeltaSeconds"/>.</summary>
    private static bool IsDelta(long value) => value is >= CacheControl.Invalid and <= RecordLimits.MaxDeltaSeconds;

    /// <summary>A delta-seconds directive as the writer stores it: within the bounds <see cref="IsDelta"/> accepts.</summary>
    private static long Delta(long value) => value < 0 ? (value == CacheControl.Absent ? value : CacheControl.Invalid) : Math.Min(value, RecordLimits.MaxDeltaSeconds);

    private static int SizeOf(string? value) => 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private static int SizeOf(CachedHeader[] headers)
    {
        var size = 4;
        foreach (var header in headers)
        {
            size += SizeOf(header.Name) + 4;
            foreach (var value in header.Values)
            {
                size += SizeOf(value);
            }
        }

        return size;
    }

    private ref struct Writer(Span<byte> buffer, int position)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position = position;

        public void Byte(byte value) => _buffer[_position++] = value;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer[_position..], value);
            _position += 4;
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer[_position..], value);
            _position += 8;
        }

        public void String(string? value)
        {
            if (value is null)
            {
                Int32(-1);
                return;
            }

            var length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 4)..]);
            Int32(length);
            _position += length;
        }

        public void Headers(CachedHeader[] headers)
        {
            Int32(headers.Length);
            foreach (var header in headers)
            {
                String(header.Name);
                Int32(header.Values.Length);
                foreach (var value in header.Values)
                {
                    String(value);
                }
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer, int position)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position = position;

        public readonly bool AtEnd => _position == _buffer.Length;

        public byte Byte()
        {
            Ensure(1);
            return _buffer[_position++];
        }

        public int Int32()
        {
            Ensure(4);
            var value = BinaryPrimitives.ReadInt32LittleEndian(_buffer[_position..]);
            _position += 4;
            return value;
        }

        public long Int64()
        {
            Ensure(8);
            var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer[_position..]);
            _position += 8;
            return value;
        }

        public string? String()
        {
            var length = Int32();
            if (length == -1)
            {
                return null;
            }

            if (length < 0)
            {
                throw new FormatException();
            }

            Ensure(length);
            var value = Encoding.UTF8.GetString(_buffer.Slice(_position, length));
            _position += length;
            return value;
        }

        public CachedHeader[] Headers()
        {
            var count = Int32();
            if (count is < 0 or > RecordLimits.MaxHeaderFields)
            {
                throw new FormatException();
            }

            var headers = count == 0 ? [] : new CachedHeader[count];
            for (var i = 0; i < count; i++)
            {
                var name = String() ?? throw new FormatException();
                var valueCount = Int32();
                if (valueCount is < 0 or > RecordLimits.MaxHeaderValues)
                {
                    throw new FormatException();
                }

                var values = new string[valueCount];
                for (var j = 0; j < valueCount; j++)
                {
                    values[j] = String() ?? throw new FormatException();
                }

                headers[i] = new CachedHeader(name, values);
            }

            return headers;
        }

        private readonly void Ensure(int count)
        {
            if (count > _buffer.Length - _position)
            {
                throw new FormatException();
            }
        }
    }
}
