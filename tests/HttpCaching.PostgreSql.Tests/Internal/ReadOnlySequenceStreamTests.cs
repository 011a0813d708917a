using HttpCaching.PostgreSql.Internal;

namespace HttpCaching.PostgreSql.Tests.Internal;

public sealed class ReadOnlySequenceStreamTests
{
    [Fact]
    public async Task ReadAsync_AcrossSegments_ReturnsEveryByteInOrder()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        using var stream = new ReadOnlySequenceStream(BufferSegment.Split(bytes, 7));
        using var copy = new MemoryStream();

        await stream.CopyToAsync(copy, 100, TestContext.Current.CancellationToken);

        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(1000, stream.Length);
        Assert.Equal(0, stream.Read(new byte[1], 0, 1));
    }

    [Fact]
    public void Seek_MovesWhereTheNextReadStarts()
    {
        using var stream = new ReadOnlySequenceStream(BufferSegment.Split([1, 2, 3, 4, 5], 2));
        var buffer = new byte[2];

        stream.Seek(-2, SeekOrigin.End);

        Assert.Equal(2, stream.Read(buffer));
        Assert.Equal([4, 5], buffer);
        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
    }
}
