using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class RecordFormatTests
{
    [Fact]
    public void WritePreamble_Kind_WritesMagicKindAndVersion()
    {
        var buffer = new byte[RecordFormat.PreambleLength + 2];

        RecordFormat.WritePreamble(buffer, RecordFormat.EntryKind);

        Assert.Equal(new byte[] { (byte)'H', (byte)'C', (byte)'R', 0, (byte)'E', RecordFormat.Version, 0, 0 }, buffer);
    }

    [Theory]
    [InlineData(RecordFormat.EntryKind)]
    [InlineData(RecordFormat.BodyKind)]
    public void HasPreamble_SameKind_ReturnsTrueAndOtherKindFalse(byte kind)
    {
        var buffer = new byte[RecordFormat.PreambleLength];
        RecordFormat.WritePreamble(buffer, kind);

        Assert.True(RecordFormat.HasPreamble(buffer, kind));
        Assert.False(RecordFormat.HasPreamble(buffer, kind == RecordFormat.EntryKind ? RecordFormat.BodyKind : RecordFormat.EntryKind));
    }

    [Fact]
    public void HasPreamble_ShorterThanPreamble_ReturnsFalse()
    {
        var buffer = new byte[RecordFormat.PreambleLength];
        RecordFormat.WritePreamble(buffer, RecordFormat.EntryKind);

        for (var length = 0; length < RecordFormat.PreambleLength; length++)
        {
            Assert.False(RecordFormat.HasPreamble(buffer.AsSpan(0, length), RecordFormat.EntryKind));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void HasPreamble_AnyPreambleByteChanged_ReturnsFalse(int index)
    {
        var buffer = new byte[RecordFormat.PreambleLength];
        RecordFormat.WritePreamble(buffer, RecordFormat.EntryKind);
        buffer[index] ^= 0x01;

        Assert.False(RecordFormat.HasPreamble(buffer, RecordFormat.EntryKind));
    }
}
