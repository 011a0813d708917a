using System.Buffers.Binary;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests.Internal;

public sealed class CacheEntrySerializerTests
{
    // Offsets in a record whose ReasonPhrase is null: preamble, status, reason length.
    private const int StatusOffset = RecordFormat.PreambleLength;
    private const int ReasonLengthOffset = StatusOffset + 4;

    private static CacheEntry FullEntry() => new()
    {
        StatusCode = 203,
        ReasonPhrase = "Non-Authoritative Information ✓",
        HttpVersion = new Version(2, 0),
        ResponseTime = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero).AddTicks(1234567),
        CorrectedInitialAge = TimeSpan.FromSeconds(42.5),
        FreshnessLifetime = TimeSpan.FromDays(3) + TimeSpan.FromTicks(7),
        Flags = CacheControlFlags.NoCache | CacheControlFlags.MustRevalidate | CacheControlFlags.Immutable
            | CacheControlFlags.Public | CacheControlFlags.MaxStaleAny,
        HeuristicFreshness = true,
        StaleWhileRevalidate = 60,
        StaleIfError = CacheControl.Overflow,
        ETag = "\"v1-ünï\"",
        LastModified = "Sun, 06 Nov 1994 08:49:37 GMT",
        VersionId = "AAECAwQFBgcICQoLDA0ODw",
        BodyLength = 123_456,
       BodyChecksum = 0xFEDC_BA98,
        Headers =
        [
            new CachedHeader("ETag", ["\"v1-ünï\""]),
            new CachedHeader("X-Multi", ["a", "b, c", "", "d"]),
            new CachedHeader("X-Empty", []),
            new CachedHeader("X-Unicode", ["日本語 🚀 \u0000 \uFFFD"]),
            new CachedHeader("Cache-Control", ["max-age=60, no-cache=\"Set-Cookie\""]),
        ],
        ContentHeaders =
        [
            new CachedHeader("Content-Type", ["application/json; charset=utf-8"]),
            new CachedHeader("Content-Language", ["de", "en"]),
        ],
    };

    private static CacheEntry MinimalEntry() => new()
    {
        StatusCode = 200,
        ReasonPhrase = null,
        HttpVersion = new Version(1, 1),
        ResponseTime = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero),
        CorrectedInitialAge = TimeSpan.Zero,
        FreshnessLifetime = TimeSpan.Zero,
        Flags = CacheControlFlags.None,
        VersionId = "v",
        BodyLength = 0,
        BodyChecksum = 0,
        Headers = [],
        ContentHeaders = [],
    };

    private static void AssertEntriesEqual(CacheEntry expected, CacheEntry? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.StatusCode, actual.StatusCode);
        Assert.Equal(expected.ReasonPhrase, actual.ReasonPhrase);
        Assert.Equal(expected.HttpVersion, actual.HttpVersion);
        Assert.Equal(expected.ResponseTime.UtcTicks, actual.ResponseTime.UtcTicks);
        Assert.Equal(TimeSpan.Zero, actual.ResponseTime.Offset);
        Assert.Equal(expected.CorrectedInitialAge, actual.CorrectedInitialAge);
        Assert.Equal(expected.FreshnessLifetime, actual.FreshnessLifetime);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.HeuristicFreshness, actual.HeuristicFreshness);
        Assert.Equal(expected.StaleWhileRevalidate, actual.StaleWhileRevalidate);
        Assert.Equal(expected.StaleIfError, actual.StaleIfError);
        Assert.Equal(expected.ETag, actual.ETag);
        Assert.Equal(expected.LastModified, actual.LastModified);
        Assert.Equal(expected.VersionId, actual.VersionId);
        Assert.Equal(expected.BodyLength, actual.BodyLength);
        Assert.Equal(expected.BodyChecksum, actual.BodyChecksum);
        AssertHeadersEqual(expected.Headers, actual.Headers);
        AssertHeadersEqual(expected.ContentHeaders, actual.ContentHeaders);
    }

    private static void AssertHeadersEqual(CachedHeader[] expected, CachedHeader[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.Equal(expected[i].Values, actual[i].Values);
        }
    }

    [Fact]
    public void Serialize_FullyPopulatedEntry_RoundTripsEveryField()
    {
        var entry = FullEntry();

        var record = CacheEntrySerializer.Serialize(entry);
        var restored = CacheEntrySerializer.TryDeserialize(record);

        AssertEntriesEqual(entry, restored);
    }

    [Fact]
    public void Serialize_MinimalEntryWithNullStringsAndNoHeaders_RoundTrips()
    {
        var entry = MinimalEntry();

        var restored = CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry));

        AssertEntriesEqual(entry, restored);
        Assert.Null(restored!.ReasonPhrase);
        Assert.Null(restored.ETag);
        Assert.Null(restored.LastModified);
        Assert.Equal(CacheControl.Absent, restored.StaleWhileRevalidate);
        Assert.Equal(CacheControl.Absent, restored.StaleIfError);
        Assert.False(restored.HeuristicFreshness);
        Assert.Empty(restored.Headers);
        Assert.Empty(restored.ContentHeaders);
    }

    [Fact]
    public void Serialize_EmptyStrings_StayEmptyNotNull()
    {
        var entry = MinimalEntry() with { ReasonPhrase = "", ETag = "", LastModified = "", VersionId = "" };

        var restored = CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry));

        Assert.NotNull(restored);
        Assert.Equal("", restored.ReasonPhrase);
        Assert.Equal("", restored.ETag);
        Assert.Equal("", restored.LastModified);
        Assert.Equal("", restored.VersionId);
    }

    [Theory]
    [InlineData(100, 1, 0, 0L, 0L, -2L, -1L)]
    [InlineData(999, 3, 0, 3155378975999999999L, 2147483648L * TimeSpan.TicksPerSecond, 2147483648L, 2147483648L)]
    [InlineData(500, 1, 0, 1L, 0L, 2147483648L, 0L)]
    public void Serialize_BoundaryValues_RoundTrip(int status, int major, int minor, long ageTicks, long lifetimeTicks, long swr, long sie)
    {
        var entry = MinimalEntry() with
        {
            StatusCode = status,
            HttpVersion = new Version(major, minor),
            CorrectedInitialAge = TimeSpan.FromTicks(ageTicks),
            FreshnessLifetime = TimeSpan.FromTicks(lifetimeTicks),
            StaleWhileRevalidate = swr,
            StaleIfError = sie,
            Flags = (CacheControlFlags)((1 << 11) - 1),
            BodyLength = 1024 * 1024 * 1024,
            BodyChecksum = 0,
            ResponseTime = DateTimeOffset.MaxValue,
        };

        AssertEntriesEqual(entry, CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry)));
    }

    [Fact]
    public void Serialize_ValuesBeyondTheRecordBounds_AreWrittenAtTheBoundsAndReadBack()
    {
        var entry = MinimalEntry() with
        {
            CorrectedInitialAge = TimeSpan.MaxValue,
            FreshnessLifetime = TimeSpan.MaxValue,
            StaleWhileRevalidate = long.MinValue,
            StaleIfError = long.MaxValue,
            Flags = (CacheControlFlags)(-1),
        };

        var restored = CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry));

        Assert.NotNull(restored);
        Assert.Equal(TimeSpan.FromTicks(3155378975999999999), restored.CorrectedInitialAge);
        Assert.Equal(TimeSpan.FromSeconds(2147483648), restored.FreshnessLifetime);
        Assert.Equal(-2, restored.StaleWhileRevalidate);
        Assert.Equal(2147483648, restored.StaleIfError);
        Assert.Equal((CacheControlFlags)(((1 << 11) - 1) | (int)CacheControlFlags.EntryOnly), restored.Flags);
    }

    [Theory]
    [InlineData("age", long.MaxValue)]
    [InlineData("age", 3155378975999999999L + 1)]
    [InlineData("lifetime", long.MaxValue)]
    [InlineData("lifetime", (2147483648L * TimeSpan.TicksPerSecond) + 1)]
    [InlineData("lifetime", -1L)]
    [InlineData("staleWhileRevalidate", long.MaxValue)]
    [InlineData("staleWhileRevalidate", 2147483649L)]
    [InlineData("staleWhileRevalidate", -3L)]
    [InlineData("staleWhileRevalidate", long.MinValue)]
    [InlineData("staleIfError", long.MaxValue)]
    [InlineData("staleIfError", 2147483649L)]
    [InlineData("staleIfError", long.MinValue)]
    [InlineData("flags", -1L)]
    [InlineData("flags", 1L << 11)]
    [InlineData("bodyLength", int.MaxValue)]
    [InlineData("bodyLength", (1024 * 1024 * 1024) + 1)]
    public void TryDeserialize_NumericFieldBeyondItsBound_ReturnsNull(string field, long value)
    {
        var record = CacheEntrySerializer.Serialize(FullEntry() with { BodyLength = 0 });
        Assert.NotNull(CacheEntrySerializer.TryDeserialize(EntryRecordPatcher.With(record, "heuristic", 1)));

        Assert.Null(CacheEntrySerializer.TryDeserialize(EntryRecordPatcher.With(record, field, value)));
    }

    [Fact]
    public void Serialize_NonUtcTimes_RestoresSameInstantsInUtc()
    {
        var offset = TimeSpan.FromHours(5.5);
        var entry = MinimalEntry() with
        {
            ResponseTime = new DateTimeOffset(2026, 1, 5, 14, 30, 0, offset),
        };

        var restored = CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry));

        Assert.NotNull(restored);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), restored.ResponseTime);
        Assert.Equal(TimeSpan.Zero, restored.ResponseTime.Offset);
    }

    [Fact]
    public void Serialize_ManyLargeHeaders_RoundTrip()
    {
        var headers = new CachedHeader[300];
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = new CachedHeader($"X-H{i}", [new string((char)('a' + (i % 26)), i * 7), $"ü{i}"]);
        }

        var entry = MinimalEntry() with { Headers = headers, ContentHeaders = headers[..3] };

        AssertEntriesEqual(entry, CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(entry)));
    }

    [Fact]
    public void Serialize_Record_StartsWithEntryPreamble()
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());

        Assert.Equal("HCR\0"u8.ToArray(), record[..4]);
        Assert.Equal((byte)'E', record[4]);
        Assert.Equal(RecordFormat.Version, record[5]);
        Assert.True(RecordFormat.HasPreamble(record, RecordFormat.EntryKind));
        Assert.False(RecordFormat.HasPreamble(record, RecordFormat.BodyKind));
    }

    [Fact]
    public void Serialize_SameEntryTwice_ProducesIdenticalBytes()
    {
        Assert.Equal(CacheEntrySerializer.Serialize(FullEntry()), CacheEntrySerializer.Serialize(FullEntry()));
    }

    [Fact]
    public void TryDeserialize_Empty_ReturnsNull()
    {
        Assert.Null(CacheEntrySerializer.TryDeserialize([]));
    }

    [Fact]
    public void TryDeserialize_EveryTruncationOfFullRecord_ReturnsNull()
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        Assert.NotNull(CacheEntrySerializer.TryDeserialize(record));

        for (var length = 0; length < record.Length; length++)
        {
            Assert.True(CacheEntrySerializer.TryDeserialize(record[..length]) is null, $"prefix of {length} of {record.Length} bytes parsed");
        }
    }

    [Fact]
    public void TryDeserialize_EveryTruncationOfMinimalRecord_ReturnsNull()
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());
        Assert.NotNull(CacheEntrySerializer.TryDeserialize(record));

        for (var length = 0; length < record.Length; length++)
        {
            Assert.True(CacheEntrySerializer.TryDeserialize(record[..length]) is null, $"prefix of {length} of {record.Length} bytes parsed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(100)]
    public void TryDeserialize_TrailingBytes_ReturnsNull(int extra)
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        var longer = new byte[record.Length + extra];
        record.CopyTo(longer, 0);

        Assert.Null(CacheEntrySerializer.TryDeserialize(longer));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TryDeserialize_WrongMagic_ReturnsNull(int index)
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        record[index] ^= 0x20;

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Theory]
    [InlineData((byte)'B')]
    [InlineData((byte)'e')]
    [InlineData((byte)0)]
    [InlineData((byte)0xFF)]
    public void TryDeserialize_WrongKind_ReturnsNull(byte kind)
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        record[4] = kind;

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Fact]
    public void TryDeserialize_BodyRecord_ReturnsNull()
    {
        Assert.Null(CacheEntrySerializer.TryDeserialize(BodyRecord.Allocate(0)));

        var body = BodyRecord.Allocate(200);
        CacheEntrySerializer.Serialize(FullEntry()).AsSpan(RecordFormat.PreambleLength, 200).CopyTo(body.AsSpan(RecordFormat.PreambleLength));
        Assert.Null(CacheEntrySerializer.TryDeserialize(body));
    }

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)1)]
    [InlineData((byte)0xFF)]
    public void TryDeserialize_OtherFormatVersion_ReturnsNull(byte version)
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        Assert.NotEqual(RecordFormat.Version, version);
        record[5] = version;

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - RecordFormat.PreambleLength)]
    [InlineData(int.MinValue)]
    [InlineData(-2)]
    [InlineData(1 << 20)]
    public void TryDeserialize_HugeOrNegativeStringLengthPrefix_ReturnsNull(int length)
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(ReasonLengthOffset)));
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(ReasonLengthOffset), length);

        Reseal(record);

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    [InlineData(-1)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(1)]
    public void TryDeserialize_HugeOrNegativeHeaderCount_ReturnsNull(int count)
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());

        // The minimal record ends with two empty header lists, count (4) + count (4), then the checksum (4).
        var headersOffset = record.Length - RecordChecksum.Length - 8;
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(headersOffset)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(headersOffset + 4)));

        var first = (byte[])record.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(first.AsSpan(headersOffset), count);
        var second = (byte[])record.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(second.AsSpan(headersOffset + 4), count);

        Reseal(first);

        Assert.Null(CacheEntrySerializer.TryDeserialize(first));
        Reseal(second);
        Assert.Null(CacheEntrySerializer.TryDeserialize(second));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    [InlineData(4097)]
    [InlineData(2)]
    public void TryDeserialize_HugeOrNegativeHeaderValueCount_ReturnsNull(int count)
    {
        var entry = MinimalEntry() with { ContentHeaders = [new CachedHeader("A", ["b"])] };
        var record = CacheEntrySerializer.Serialize(entry);

        // Layout at the end: count=1, name length=1, 'A', value count=1, value length=1, 'b'.
        var valueCountOffset = record.Length - (4 + 1 + 4);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(valueCountOffset)));
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(valueCountOffset), count);

        Reseal(record);

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Fact]
    public void TryDeserialize_NullHeaderNameOrValue_ReturnsNull()
    {
        var entry = MinimalEntry() with { ContentHeaders = [new CachedHeader("A", ["b"])] };
        var record = CacheEntrySerializer.Serialize(entry);

        // Replace "A" (length 1) / "b" (length 1) by a null string (-1) and drop the character.
        var nameLengthOffset = record.Length - (4 + 1 + 4 + 4 + 1);
        var nullName = record[..nameLengthOffset]
            .Concat(BitConverter.GetBytes(-1)).Concat(record[(nameLengthOffset + 5)..]).ToArray();
        var valueLengthOffset = record.Length - (4 + 1);
        var nullValue = record[..valueLengthOffset].Concat(BitConverter.GetBytes(-1)).ToArray();

        Assert.True(BitConverter.IsLittleEndian);
        Assert.NotNull(CacheEntrySerializer.TryDeserialize(record));
        Assert.Null(CacheEntrySerializer.TryDeserialize(nullName));
        Assert.Null(CacheEntrySerializer.TryDeserialize(nullValue));
    }

    [Theory]
    [InlineData(99)]
    [InlineData(1000)]
    [InlineData(0)]
    [InlineData(-200)]
    public void TryDeserialize_StatusOutOfRange_ReturnsNull(int status)
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry() with { StatusCode = status });

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Fact]
    public void TryDeserialize_NullVersionId_ReturnsNull()
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry() with { VersionId = null! });

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Fact]
    public void TryDeserialize_NegativeBodyLength_ReturnsNull()
    {
        Assert.Null(CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(MinimalEntry() with { BodyLength = -1 })));
    }

    [Fact]
    public void TryDeserialize_NegativeAgeOrLifetime_ReturnsNull()
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());

        Assert.Null(CacheEntrySerializer.TryDeserialize(EntryRecordPatcher.With(record, "age", -1)));
        Assert.Null(CacheEntrySerializer.TryDeserialize(EntryRecordPatcher.With(record, "lifetime", -TimeSpan.TicksPerSecond)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0xFF)]
    public void TryDeserialize_HeuristicByteNotBoolean_ReturnsNull(byte value)
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());

        // status (4), null reason (4), version (2), three int64 (24), flags (4), then the heuristic byte.
        var heuristicOffset = RecordFormat.PreambleLength + 4 + 4 + 2 + 24 + 4;
        Assert.Equal(0, record[heuristicOffset]);
        record[heuristicOffset] = 1;
        Reseal(record);
        Assert.True(CacheEntrySerializer.TryDeserialize(record)!.HeuristicFreshness);

        record[heuristicOffset] = value;
        Reseal(record);
        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(3155378976000000000L)]
    [InlineData(long.MaxValue)]
    public void TryDeserialize_ResponseTimeTicksOutOfRange_ReturnsNull(long ticks)
    {
        var record = CacheEntrySerializer.Serialize(MinimalEntry());
        var responseTimeOffset = RecordFormat.PreambleLength + 4 + 4 + 2;
        Assert.Equal(MinimalEntry().ResponseTime.UtcTicks, BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(responseTimeOffset)));
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(responseTimeOffset), ticks);

        Reseal(record);

        Assert.Null(CacheEntrySerializer.TryDeserialize(record));
    }

    [Fact]
    public void TryDeserialize_InvalidUtf8InStrings_DoesNotThrow()
    {
        var entry = MinimalEntry() with { ETag = "\"abcd\"" };
        var record = CacheEntrySerializer.Serialize(entry);
        var index = record.AsSpan().IndexOf("abcd"u8);
        record[index] = 0xC3;
        record[index + 1] = 0x28;
        record[index + 2] = 0xFF;

        Reseal(record);

        var restored = CacheEntrySerializer.TryDeserialize(record);

        Assert.NotNull(restored);
        Assert.NotEqual(entry.ETag, restored.ETag);
        Assert.EndsWith("d\"", restored.ETag, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDeserialize_RandomBytes_ReturnsNullWithoutThrowing()
    {
        var random = new Random(1234);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 512)];
            random.NextBytes(bytes);
            Assert.Null(CacheEntrySerializer.TryDeserialize(bytes));

            // Same garbage behind a valid preamble, so the field reader itself is exercised.
            if (bytes.Length >= RecordFormat.PreambleLength)
            {
                RecordFormat.WritePreamble(bytes, RecordFormat.EntryKind);
                Assert.Null(CacheEntrySerializer.TryDeserialize(bytes));
            }
        }
    }

    [Fact]
    public void TryDeserialize_RandomlyCorruptedRecords_NeverThrows()
    {
        var original = CacheEntrySerializer.Serialize(FullEntry());
        var random = new Random(1234);
        var parsed = 0;
        for (var i = 0; i < 5000; i++)
        {
            var record = (byte[])original.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                record[random.Next(RecordFormat.PreambleLength, record.Length)] = (byte)random.Next(256);
            }

            var restored = CacheEntrySerializer.TryDeserialize(record);
            if (restored is not null)
            {
                parsed++;
                Assert.InRange(restored.StatusCode, 100, 999);
                Assert.True(restored.BodyLength >= 0);
                Assert.True(restored.CorrectedInitialAge >= TimeSpan.Zero);
                Assert.True(restored.FreshnessLifetime >= TimeSpan.Zero);
                Assert.NotNull(restored.VersionId);
            }
        }

        // Most single-byte changes land in string contents and still parse; the loop must have exercised both paths.
        Assert.InRange(parsed, 1, 4999);
    }

    [Fact]
    public void TryDeserialize_AnySingleBitFlip_ReturnsNull()
    {
        var record = CacheEntrySerializer.Serialize(FullEntry());
        for (var i = 0; i < record.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])record.Clone();
                damaged[i] ^= (byte)(1 << bit);
                Assert.True(CacheEntrySerializer.TryDeserialize(damaged) is null, $"byte {i} bit {bit}");
            }
        }
    }

    [Theory]
    [InlineData("O\rK")]
    [InlineData("O\nK")]
    [InlineData("O\0K")]
    public void TryDeserialize_ReasonPhraseWithLineBreak_ReturnsNull(string reason)
    {
        Assert.Null(CacheEntrySerializer.TryDeserialize(CacheEntrySerializer.Serialize(MinimalEntry() with { ReasonPhrase = reason })));
    }

    /// <summary>Writes a correct checksum after a test patched a field, so the field's own validation is what is tested.</summary>
    private static void Reseal(byte[] record) =>
        BinaryPrimitives.WriteUInt32LittleEndian(
            record.AsSpan(record.Length - RecordChecksum.Length),
            RecordChecksum.Compute(record.AsSpan(0, record.Length - RecordChecksum.Length)));
}
