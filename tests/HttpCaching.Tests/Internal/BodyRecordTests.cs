using System.Buffers.Binary;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class BodyRecordTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(70_000)]
    public void Allocate_Length_WritesHeaderAndLeavesRoomForBody(int bodyLength)
    {
        var record = BodyRecord.Allocate(bodyLength);

        Assert.Equal(RecordFormat.BodyHeaderLength + bodyLength, record.Length);
        Assert.Equal(14, RecordFormat.BodyHeaderLength);
        Assert.Equal("HCR\0"u8.ToArray(), record[..4]);
        Assert.Equal((byte)'B', record[4]);
        Assert.Equal(RecordFormat.Version, record[5]);
        Assert.Equal(bodyLength, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(6)));
        BodyRecord.Seal(record);
        Assert.Equal(RecordChecksum.Compute(record.AsSpan(RecordFormat.BodyHeaderLength)), BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(10)));
        Assert.True(IsValid(record, bodyLength));
    }

    [Fact]
    public void IsValid_RecordWithBodyBytesWritten_ReturnsTrue()
    {
        var body = "hello, world"u8;
        var record = BodyRecord.Allocate(body.Length);
        body.CopyTo(record.AsSpan(RecordFormat.BodyHeaderLength));
        BodyRecord.Seal(record);

        Assert.True(IsValid(record, body.Length));
        Assert.Equal(body.ToArray(), record[RecordFormat.BodyHeaderLength..]);
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(5, 6)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(5, -1)]
    [InlineData(5, int.MaxValue)]
    [InlineData(5, int.MinValue)]
    public void IsValid_WrongExpectedLength_ReturnsFalse(int bodyLength, int expected)
    {
        Assert.False(IsValid(BodyRecord.Allocate(bodyLength), expected));
    }

    [Fact]
    public void IsValid_LengthFieldDisagreesWithRecordSize_ReturnsFalse()
    {
        var record = BodyRecord.Allocate(8);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength), 7);

        Assert.False(IsValid(record, 8));
        Assert.False(IsValid(record, 7));
    }

    [Fact]
    public void IsValid_TruncatedOrExtendedRecord_ReturnsFalse()
    {
        var record = BodyRecord.Allocate(8);

        for (var length = 0; length < record.Length; length++)
        {
            Assert.False(IsValid(record[..length], 8), $"prefix of {length}");
        }

        var longer = new byte[record.Length + 1];
        record.CopyTo(longer, 0);
        Assert.False(IsValid(longer, 8));
    }

    [Theory]
    [InlineData((byte)'E')]
    [InlineData((byte)'b')]
    [InlineData((byte)0)]
    public void IsValid_WrongKind_ReturnsFalse(byte kind)
    {
        var record = BodyRecord.Allocate(3);
        record[4] = kind;

        Assert.False(IsValid(record, 3));
    }

    [Theory]
    [InlineData(5, (byte)2)]
    [InlineData(0, (byte)'x')]
    [InlineData(3, (byte)'r')]
    public void IsValid_WrongVersionOrMagic_ReturnsFalse(int index, byte value)
    {
        var record = BodyRecord.Allocate(3);
        record[index] = value;

        Assert.False(IsValid(record, 3));
    }

    [Fact]
    public void IsValid_EntryRecord_ReturnsFalse()
    {
        var entry = CacheEntrySerializer.Serialize(new CacheEntry
        {
            StatusCode = 200,
            HttpVersion = new Version(1, 1),
            ResponseTime = DateTimeOffset.UnixEpoch,
            CorrectedInitialAge = TimeSpan.Zero,
            FreshnessLifetime = TimeSpan.Zero,
            Flags = CacheControlFlags.None,
            VersionId = "v",
            BodyLength = 0,
            BodyChecksum = 0,
            Headers = [],
            ContentHeaders = [],
        });

        Assert.False(IsValid(entry, entry.Length - RecordFormat.BodyHeaderLength));
    }

    [Fact]
    public void IsValid_Empty_ReturnsFalse()
    {
        Assert.False(IsValid([], 0));
        Assert.False(IsValid(new byte[RecordFormat.BodyHeaderLength], 0));
    }

    [Fact]
    public void IsValid_AnyBodyByteChanged_ReturnsFalse()
    {
        var body = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var record = BodyRecord.Allocate(body.Length);
        body.CopyTo(record.AsSpan(RecordFormat.BodyHeaderLength));
        BodyRecord.Seal(record);

        for (var i = RecordFormat.BodyHeaderLength; i < record.Length; i++)
        {
            var damaged = (byte[])record.Clone();
            damaged[i] ^= 0x40;
            Assert.False(IsValid(damaged, body.Length), $"byte {i}");
        }
    }

    [Fact]
    public void IsValid_IntactRecordOfOtherBytesThanTheEntryRecorded_ReturnsFalse()
    {
        // Another URL's (or version's) body record of the same length, whole and with a matching checksum of its own:
        // not the body the entry names.
        var record = Sealed("{\"id\":1}");
        var other = Sealed("{\"id\":2}");

        Assert.True(BodyRecord.IsValid(new HeldRecord(record), record.Length - RecordFormat.BodyHeaderLength, BodyRecord.Checksum(record)));
        Assert.False(BodyRecord.IsValid(new HeldRecord(other), other.Length - RecordFormat.BodyHeaderLength, BodyRecord.Checksum(record)));
    }

    [Fact]
    public void IsValid_AHeldRecord_IsMarkedVerifiedOnlyWhenItsChecksumMatches()
    {
        var intact = new HeldRecord(Sealed("{\"id\":1}"));
        var damagedBytes = Sealed("{\"id\":1}");
        damagedBytes[^1] ^= 0x01;
        var damaged = new HeldRecord(damagedBytes);

        Assert.True(BodyRecord.IsValid(intact, intact.Data.Length - RecordFormat.BodyHeaderLength, BodyRecord.Checksum(intact.Data)));
        Assert.False(BodyRecord.IsValid(damaged, damaged.Data.Length - RecordFormat.BodyHeaderLength, BodyRecord.Checksum(damaged.Data)));

        Assert.True(intact.Verified);
        Assert.False(damaged.Verified);
    }

    [Fact]
    public void IsValid_AVerifiedRecordAgainstAnotherEntry_ReturnsFalse()
    {
        // What a holder remembers is that its own checksum matched: another entry's length or checksum still fails,
        // so a verified body is never served for an entry that names another one.
        var record = new HeldRecord(Sealed("{\"id\":1}")) { Verified = true };
        var length = record.Data.Length - RecordFormat.BodyHeaderLength;
        var checksum = BodyRecord.Checksum(record.Data);

        Assert.True(BodyRecord.IsValid(record, length, checksum));
        Assert.False(BodyRecord.IsValid(record, length, checksum ^ 1));
        Assert.False(BodyRecord.IsValid(record, length + 1, checksum));
        Assert.False(BodyRecord.IsValid(record, length - 1, checksum));
    }

    [Fact]
    public void IsValid_AVerifiedRecord_IsNotCheckedAgain()
    {
        // The checksum is computed once per held record: a holder marked verified is taken at its word, which is why
        // only holders of records nothing writes to are marked.
        var bytes = Sealed("{\"id\":1}");
        var checksum = BodyRecord.Checksum(bytes);
        bytes[^1] ^= 0x01;

        Assert.False(BodyRecord.IsValid(new HeldRecord(bytes), bytes.Length - RecordFormat.BodyHeaderLength, checksum));
        Assert.True(BodyRecord.IsValid(new HeldRecord(bytes) { Verified = true }, bytes.Length - RecordFormat.BodyHeaderLength, checksum));
    }

    /// <summary>Checks everything but the entry's recorded checksum (taken as the record's own).</summary>
    private static bool IsValid(byte[] record, int expectedLength) =>
        BodyRecord.IsValid(new HeldRecord(record), expectedLength, record.Length >= RecordFormat.BodyHeaderLength ? BodyRecord.Checksum(record) : 0);

    private static byte[] Sealed(string body)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var record = BodyRecord.Allocate(bytes.Length);
        bytes.CopyTo(record, RecordFormat.BodyHeaderLength);
        BodyRecord.Seal(record);
        return record;
    }
}
