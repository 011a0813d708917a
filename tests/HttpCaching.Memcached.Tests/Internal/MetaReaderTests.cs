using System.Buffers;
using System.Text;
using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

/// <summary>The reply parser against well-formed, hostile and malformed replies.</summary>
public sealed class MetaReaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("HD O7\r\n", "Success", 7L)]
    [InlineData("EN O3\r\n", "Miss", 3L)]
    [InlineData("EN\r\n", "Miss", null)]
    [InlineData("NF O1\r\n", "NotFound", 1L)]
    [InlineData("NS O2\r\n", "NotStored", 2L)]
    [InlineData("MN\r\n", "Noop", null)]
    [InlineData("STORED\r\n", "Stored", null)]
    [InlineData("END\r\n", "End", null)]
    public async Task ReadReplyAsync_WellFormed_ParsesKindAndOpaque(string line, string kind, long? opaque)
    {
        var reply = await Reader(line).ReadReplyAsync(Ct);

        Assert.Equal(kind, reply.Kind.ToString());
        Assert.Equal(opaque, reply.Opaque);
    }

    [Fact]
    public async Task ReadReplyAsync_ValueWithFlags_ParsesSizeFlagsTtl()
    {
        var reader = Reader("VA 3 f12 t-1 O9 Zfuture\r\nabc\r\n");

        var reply = await reader.ReadReplyAsync(Ct);
        var value = new ArrayBufferWriter<byte>();
        await reader.ReadValueAsync(reply.Size, value, Ct);

        Assert.Equal((ReplyKind.Value, 3, 12u, -1L, 9L), (reply.Kind, reply.Size, reply.ClientFlags!.Value, reply.Ttl!.Value, reply.Opaque!.Value));
        Assert.Equal("abc"u8.ToArray(), value.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task ReadReplyAsync_ServerError_IsAnErrorWithItsText()
    {
        var reply = await Reader("SERVER_ERROR object too large for cache\r\n").ReadReplyAsync(Ct);

        Assert.Equal(ReplyKind.Error, reply.Kind);
        Assert.True(reply.IsTooLarge);
    }

    [Fact]
    public async Task ReadReplyAsync_StatLine_NameAndValue()
    {
        var reply = await Reader("STAT item_size_max 1048576\r\n").ReadReplyAsync(Ct);

        Assert.Equal((ReplyKind.Stat, "item_size_max", "1048576"), (reply.Kind, reply.StatName!, reply.Text!));
    }

    [Theory]
    [InlineData("XX 1\r\n")]
    [InlineData("VALUE k 0 3\r\n")]
    [InlineData("VA -3 f0\r\n")]
    [InlineData("VA +3 f0\r\n")]
    [InlineData("VA 3x f0\r\n")]
    [InlineData("VA 99999999999 f0\r\n")]
    [InlineData("VA 1073741825 f0\r\n")]
    [InlineData("VA\r\n")]
    [InlineData("VA 3 f-1\r\n")]
    [InlineData("VA 3 f4294967296\r\n")]
    [InlineData("VA 3 O-1\r\n")]
    [InlineData("VA 3 Oabc\r\n")]
    [InlineData("VA 3 tx\r\n")]
    [InlineData("VA 3  f0\r\n")]
    [InlineData("HD \r\n")]
    [InlineData("HD 5\r\n")]
    [InlineData("HD\n")]
    [InlineData("HD\r\r\n")]
    [InlineData("H\u00e9\r\n")]
    [InlineData("HD\0\r\n")]
    [InlineData("STAT item_size_max\r\n")]
    [InlineData("\r\n")]
    public async Task ReadReplyAsync_Malformed_ThrowsProtocolViolation(string line)
    {
        await Assert.ThrowsAsync<ProtocolViolationException>(async () => await Reader(line).ReadReplyAsync(Ct));
    }

    [Fact]
    public async Task ReadReplyAsync_LineLongerThanTheLimit_ThrowsWithoutReadingForever()
    {
        var line = "HD O1 " + new string('k', MetaReader.MaxLineLength) + "\r\n";

        await Assert.ThrowsAsync<ProtocolViolationException>(async () => await Reader(line).ReadReplyAsync(Ct));
    }

    [Fact]
    public async Task ReadReplyAsync_EndlessLineWithoutNewline_Throws()
    {
        var reader = new MetaReader(new EndlessStream((byte)'a'));

        await Assert.ThrowsAsync<ProtocolViolationException>(async () => await reader.ReadReplyAsync(Ct));
    }

    [Fact]
    public async Task ReadReplyAsync_StreamEndsMidLine_ThrowsIOException()
    {
        await Assert.ThrowsAsync<IOException>(async () => await Reader("VA 3 f0").ReadReplyAsync(Ct));
    }

    [Theory]
    [InlineData("abcd\r\n")]
    [InlineData("abc\n\r")]
    [InlineData("abcXY")]
    public async Task ReadValueAsync_DataAndSizeDisagree_Throws(string data)
    {
        var reader = Reader(data);

        await Assert.ThrowsAsync<ProtocolViolationException>(async () => await reader.ReadValueAsync(3, new ArrayBufferWriter<byte>(), Ct));
    }

    [Fact]
    public async Task ReadValueAsync_StreamEndsMidValue_ThrowsIOException()
    {
        var reader = Reader("ab");

        await Assert.ThrowsAsync<IOException>(async () => await reader.ReadValueAsync(3, new ArrayBufferWriter<byte>(), Ct));
    }

    [Fact]
    public async Task ReadValueAsync_LargeValueInSmallReads_ReadsItWhole()
    {
        var value = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var reader = new MetaReader(new TrickleStream([.. value, (byte)'\r', (byte)'\n'], 1000));
        var destination = new ArrayBufferWriter<byte>();

        await reader.ReadValueAsync(value.Length, destination, Ct);

        Assert.True(value.AsSpan().SequenceEqual(destination.WrittenSpan));
    }

    [Fact]
    public async Task ReadReplyAsync_RepliesSplitAcrossReads_ReadInOrder()
    {
        var reader = new MetaReader(new TrickleStream(Encoding.ASCII.GetBytes("HD O1\r\nMN\r\nEN O2\r\n"), 1));

        Assert.Equal(ReplyKind.Success, (await reader.ReadReplyAsync(Ct)).Kind);
        Assert.Equal(ReplyKind.Noop, (await reader.ReadReplyAsync(Ct)).Kind);
        Assert.Equal(ReplyKind.Miss, (await reader.ReadReplyAsync(Ct)).Kind);
    }

    private static MetaReader Reader(string text) => new(new MemoryStream(Encoding.Latin1.GetBytes(text)));

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    /// <summary>A stream of one byte, repeated for ever.</summary>
    private sealed class EndlessStream(byte fill) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(fill);
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
