using System.Buffers;
using System.Text;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests.Internal;

public sealed class PrefixedStreamTests
{
    private static (PrefixedStream Stream, ChunkedReadStream Remainder, TrackingDisposable Owner) Create(string prefix, string rest, int restChunk = int.MaxValue)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        rented.AsSpan().Fill(0xEE); // garbage after the prefix must never be read
        bytes.CopyTo(rented, 0);
        var restStream = new ChunkedReadStream(Encoding.UTF8.GetBytes(rest), restChunk);
        var owner = new TrackingDisposable();
        return (new PrefixedStream(rented, bytes.Length, restStream, owner), restStream, owner);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void Read_SmallChunks_ReturnsPrefixThenRest(int chunk)
    {
        var (stream, _, _) = Create("hello, ", "world and more");
        using (stream)
        {
            var result = new List<byte>();
            var buffer = new byte[chunk];
            int read;
            while ((read = stream.Read(buffer, 0, chunk)) > 0)
            {
                Assert.InRange(read, 1, chunk);
                result.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            Assert.Equal("hello, world and more", Encoding.UTF8.GetString([.. result]));
            Assert.Equal(0, stream.Read(buffer, 0, chunk));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(1000)]
    public async Task ReadAsync_SmallChunks_ReturnsPrefixThenRest(int chunk)
    {
        var (stream, _, _) = Create("abcde", "fghij", restChunk: 2);
        await using (stream)
        {
            var result = new List<byte>();
            var buffer = new byte[chunk];
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(), TestContext.Current.CancellationToken)) > 0)
            {
                result.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            Assert.Equal("abcdefghij", Encoding.UTF8.GetString([.. result]));
        }
    }

    [Fact]
    public async Task ReadAsync_ArrayOverload_ReturnsPrefixThenRest()
    {
        var (stream, _, _) = Create("12", "345");
        await using (stream)
        {
            var buffer = new byte[10];

#pragma warning disable CA1835 // the array overload is the one under test
            var first = await stream.ReadAsync(buffer, 3, 1, TestContext.Current.CancellationToken);
            var second = await stream.ReadAsync(buffer, 4, 6, TestContext.Current.CancellationToken);
            var third = await stream.ReadAsync(buffer, 5, 5, TestContext.Current.CancellationToken);
            var end = await stream.ReadAsync(buffer, 0, 10, TestContext.Current.CancellationToken);
#pragma warning restore CA1835

            Assert.Equal(1, first);
            Assert.Equal(1, second);
            Assert.Equal(3, third);
            Assert.Equal(0, end);
            Assert.Equal("12345", Encoding.ASCII.GetString(buffer, 3, 5));
        }
    }

    [Fact]
    public void Read_BufferLargerThanPrefix_ReturnsOnlyPrefixFirst()
    {
        var (stream, rest, _) = Create("abc", "def");
        using (stream)
        {
            var buffer = new byte[100];

            Assert.Equal(3, stream.Read(buffer));
            Assert.Equal("abc", Encoding.ASCII.GetString(buffer, 0, 3));
            Assert.Equal(0, rest.ReadCalls);
            Assert.Equal(3, stream.Read(buffer));
            Assert.Equal("def", Encoding.ASCII.GetString(buffer, 0, 3));
        }
    }

    [Fact]
    public void Read_EmptyBuffer_ReturnsZeroWithoutConsumingPrefix()
    {
        var (stream, _, _) = Create("abc", "def");
        using (stream)
        {
            Assert.Equal(0, stream.Read([]));

            using var all = new MemoryStream();
            stream.CopyTo(all);
            Assert.Equal("abcdef", Encoding.ASCII.GetString(all.ToArray()));
        }
    }

    [Fact]
    public async Task CopyToAsync_LargePrefixAndRest_YieldsAllBytesInOrder()
    {
        var prefix = new string('p', 40_000) + "|";
        var rest = "|" + new string('r', 100_000);
        var (stream, _, _) = Create(prefix, rest, restChunk: 1000);
        await using (stream)
        {
            using var all = new MemoryStream();
            await stream.CopyToAsync(all, TestContext.Current.CancellationToken);

            Assert.Equal(prefix + rest, Encoding.ASCII.GetString(all.ToArray()));
        }
    }

    [Fact]
    public void Dispose_AfterPartialRead_DisposesRestAndOwner()
    {
        var (stream, rest, owner) = Create("abc", "def");
        Assert.Equal(1, stream.Read(new byte[1]));

        stream.Dispose();

        Assert.True(rest.IsDisposed);
        Assert.Equal(1, owner.DisposeCount);
    }

    [Fact]
    public void Dispose_AfterFullRead_DisposesRestAndOwner()
    {
        var (stream, rest, owner) = Create("abc", "def");
        stream.CopyTo(Stream.Null);

        stream.Dispose();

        Assert.True(rest.IsDisposed);
        Assert.Equal(1, owner.DisposeCount);
    }

    [Fact]
    public void Capabilities_ReadOnlyForwardOnly()
    {
        var (stream, _, _) = Create("abc", "def");
        using (stream)
        {
            Assert.True(stream.CanRead);
            Assert.False(stream.CanSeek);
            Assert.False(stream.CanWrite);
            Assert.Throws<NotSupportedException>(() => stream.Length);
            Assert.Throws<NotSupportedException>(() => stream.Position);
            Assert.Throws<NotSupportedException>(() => stream.Position = 0);
            Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
            Assert.Throws<NotSupportedException>(() => stream.SetLength(0));
            Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        }
    }

    private sealed class TrackingDisposable : IDisposable
    {
        public int DisposeCount { get; private set; }

        public void Dispose() => DisposeCount++;
    }

    [Fact]
    public async Task ReadAsync_EmptyPrefix_ReadsTheRest()
    {
        var owner = new MemoryStream();
        using var stream = new PrefixedStream(System.Buffers.ArrayPool<byte>.Shared.Rent(16), 0, new MemoryStream([1, 2, 3]), owner);
        var buffer = new byte[8];

        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);

        Assert.Equal(3, read);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }
}
