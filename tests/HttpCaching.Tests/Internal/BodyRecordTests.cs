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
        Assert.True(BodyRecord.IsValid(record, bodyLength));
    }

    [Fact]
    public void IsValid_RecordWithBodyBytesWritten_ReturnsTrue()
    {
        var body = "hello, world"u8;
        var record = BodyRecord.Allocate(body.Length);
        body.CopyTo(record.AsSpan(RecordFormat.BodyHeaderLength));
        BodyRecord.Seal(record);

        Assert.True(BodyRecord.IsValid(record, body.Length));
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
        Assert.False(BodyRecord.IsValid(BodyRecord.Allocate(bodyLength), expected));
    }

    [Fact]
    public void IsValid_LengthFieldDisagreesWithRecordSize_ReturnsFalse()
    {
        var record = BodyRecord.Allocate(8);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(RecordFormat.PreambleLength), 7);

        Assert.False(BodyRecord.IsValid(record, 8));
        Assert.False(BodyRecord.IsValid(record, 7));
    }

    [Fact]
    public void IsValid_TruncatedOrExtendedRecord_ReturnsFalse()
    {
        var record = BodyRecord.Allocate(8);

        for (var length = 0; length < record.Length; length++)
        {
            Assert.False(BodyRecord.IsValid(record[..length], 8), $"prefix of {length}");
        }

        var longer = new byte[record.Length + 1];
        record.CopyTo(longer, 0);
        Assert.False(BodyRecord.IsValid(longer, 8));
    }

    [Theory]
    [InlineData((byte)'E')]
    [InlineData((byte)'b')]
    [InlineData((byte)0)]
    public void IsValid_WrongKind_ReturnsFalse(byte kind)
    {
        var record = BodyRecord.Allocate(3);
        record[4] = kind;

        Assert.False(BodyRecord.IsValid(record, 3));
    }

    [Theory]
    [InlineData(5, (byte)2)]
    [InlineData(0, (byte)'x')]
    [InlineData(3, (byte)'r')]
    public void IsValid_WrongVersionOrMagic_ReturnsFalse(int index, byte value)
    {
        var record = BodyRecord.Allocate(3);
        record[index] = value;

        Assert.False(BodyRecord.IsValid(record, 3));
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
            Headers = [],
            ContentHeaders = [],
        });

        Assert.False(BodyRecord.IsValid(entry, entry.Length - RecordFormat.BodyHeaderLength));
    }

    [Fact]
    public void IsValid_Empty_ReturnsFalse()
    {
        Assert.False(BodyRecord.IsValid([], 0));
        Assert.False(BodyRecord.IsValid(new byte[RecordFormat.BodyHeaderLength], 0));
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
            Assert.False(BodyRecord.IsValid(damaged, body.Length), $"byte {i}");
        }
    }
}
