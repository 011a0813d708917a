using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

/// <summary>A value's buffer: what a reply announces is allocated only as its bytes arrive, and it ends exactly sized.</summary>
public sealed class ValueBufferTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void New_AnnouncedSizeFarAboveTheInitialCapacity_AllocatesOnlyTheInitialCapacity(bool pooled)
    {
        var buffer = new ValueBuffer(1_000_000_000, pooled);

        buffer.GetSpan(16)[..16].Fill(1);
        buffer.Advance(16);

        Assert.InRange(buffer.Array.Length, 16, 2 * ValueBuffer.InitialCapacity);
        buffer.Release();
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(ValueBuffer.InitialCapacity, false)]
    [InlineData(3 * ValueBuffer.InitialCapacity + 7, false)]
    [InlineData(3 * ValueBuffer.InitialCapacity + 7, true)]
    public void Write_AllTheBytesInPieces_EndsWithExactlyThem(int length, bool pooled)
    {
        var buffer = new ValueBuffer(length, pooled);
        var written = 0;
        while (written < length)
        {
            var memory = buffer.GetMemory(Math.Min(length - written, 256 * 1024));
            var take = Math.Min(memory.Length, Math.Min(length - written, 100_000));
            for (var i = 0; i < take; i++)
            {
                memory.Span[i] = (byte)(written + i);
            }

            buffer.Advance(take);
            written += take;
        }

        if (!pooled)
        {
            Assert.Equal(length, buffer.Array.Length);
        }

        for (var i = 0; i < length; i++)
        {
            Assert.Equal((byte)i, buffer.Span[i]);
        }

        Assert.Throws<InvalidOperationException>(() => buffer.Advance(1));
        buffer.Release();
    }

    [Fact]
    public void Empty_HasNoBytes()
    {
        var buffer = new ValueBuffer(0, pooled: true);
        Assert.Empty(buffer.GetSpan(1).ToArray());
        Assert.Empty(buffer.Span.ToArray());
    }
}
