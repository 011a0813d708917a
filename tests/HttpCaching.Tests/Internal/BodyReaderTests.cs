using System.Net.Http.Headers;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests.Internal;

public sealed class BodyReaderTests
{
    private static byte[] Bytes(int length, int seed = 1234)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A content whose length is unknown: a non-seekable stream, no Content-Length.</summary>
    private static (StreamContent Content, ChunkedReadStream Stream) Unknown(byte[] body, int chunk = int.MaxValue)
    {
        var stream = new ChunkedReadStream(body, chunk);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        content.Headers.TryAddWithoutValidation("Content-Language", "de");
        return (content, stream);
    }

    /// <summary>A content that declares <paramref name="declared"/> bytes over a non-seekable stream.</summary>
    private static (StreamContent Content, ChunkedReadStream Stream) Declared(byte[] body, long declared, int chunk = int.MaxValue)
    {
        var (content, stream) = Unknown(body, chunk);
        content.Headers.ContentLength = declared;
        return (content, stream);
    }

    private static async Task<byte[]> ReadAllAsync(HttpContent content)
    {
        using var destination = new MemoryStream();
        await using var stream = await content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        await stream.CopyToAsync(destination, TestContext.Current.CancellationToken);
        return destination.ToArray();
    }

    private static void AssertRecordHolds(byte[] expected, BodyReadResult result)
    {
        Assert.Equal(NotStoredReason.None, result.Reason);
        Assert.Null(result.Replacement);
        Assert.Equal(expected.Length, result.Length);
        Assert.NotNull(result.Record);
        Assert.True(BodyRecord.IsValid(new HeldRecord(result.Record), expected.Length, RecordChecksum.Compute(expected)));
        Assert.Equal(expected, result.Record.AsSpan(RecordFormat.BodyHeaderLength).ToArray());
    }

    private static void AssertContentHeadersCopied(HttpContent replacement)
    {
        Assert.Equal("application/json; charset=utf-8", replacement.Headers.ContentType?.ToString());
        Assert.Equal(["de"], replacement.Headers.ContentLanguage);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 100)]
    [InlineData(1000, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(100_000, 1_000_000)]
    public async Task ReadAsync_KnownLengthUnderLimit_RecordHoldsExactBytes(int length, long max)
    {
        var body = Bytes(length);
        using var content = new ByteArrayContent(body);
        Assert.Equal(length, content.Headers.ContentLength);

        var result = await BodyReader.ReadAsync(content, max, TestContext.Current.CancellationToken);

        AssertRecordHolds(body, result);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task ReadAsync_KnownLengthArrivingInChunks_RecordHoldsExactBytesAndContentIsDisposed(int chunk)
    {
        var body = Bytes(5000);
        var (content, stream) = Declared(body, body.Length, chunk);

        var result = await BodyReader.ReadAsync(content, 5000, TestContext.Current.CancellationToken);

        AssertRecordHolds(body, result);
        Assert.True(stream.IsDisposed);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 10)]
    [InlineData(10, 10)]
    [InlineData(500, 100_000)]
    [InlineData(16 * 1024, 100_000)]
    [InlineData((16 * 1024) + 1, 100_000)]
    [InlineData(100_000, 100_000)]
    [InlineData(300_000, ThirdPartyCachingOptionsValidator.MaxBodySizeLimit)]
    public async Task ReadAsync_UnknownLengthUnderOrAtLimit_RecordHoldsExactBytes(int length, long max)
    {
        var body = Bytes(length);
        var (content, stream) = Unknown(body, chunk: 3001);
        Assert.Null(content.Headers.ContentLength);

        var result = await BodyReader.ReadAsync(content, max, TestContext.Current.CancellationToken);

        AssertRecordHolds(body, result);
        Assert.True(stream.IsDisposed);
    }

    [Theory]
    [InlineData(1, 0, int.MaxValue)]
    [InlineData(11, 10, int.MaxValue)]
    [InlineData(11, 10, 1)]
    [InlineData(5000, 100, 7)]
    [InlineData(100_001, 100_000, 4096)]
    [InlineData(1_000_000, 50_000, int.MaxValue)]
    public async Task ReadAsync_UnknownLengthOverLimit_ReplacementYieldsAllBytesInOrder(int length, long max, int chunk)
    {
        var body = Bytes(length);
        var (content, stream) = Unknown(body, chunk);

        var result = await BodyReader.ReadAsync(content, max, TestContext.Current.CancellationToken);

        Assert.Equal(NotStoredReason.TooLarge, result.Reason);
        Assert.Null(result.Record);
        Assert.InRange(result.Length, max + 1, length);
        Assert.NotNull(result.Replacement);
        using (result.Replacement)
        {
            AssertContentHeadersCopied(result.Replacement);
            Assert.Null(result.Replacement.Headers.ContentLength);
            Assert.False(stream.IsDisposed);
            Assert.Equal(body, await ReadAllAsync(result.Replacement));
        }

        Assert.True(stream.IsDisposed);
    }

    [Theory]
    [InlineData(101, 100)]
    [InlineData(100_000, 10)]
    public async Task ReadAsync_KnownLengthOverLimit_ReplacementYieldsAllBytesInOrder(int length, long max)
    {
        var body = Bytes(length);
        var (content, _) = Declared(body, length, chunk: 1024);

        var result = await BodyReader.ReadAsync(content, max, TestContext.Current.CancellationToken);

        Assert.Equal(NotStoredReason.TooLarge, result.Reason);
        Assert.Null(result.Record);
        Assert.NotNull(result.Replacement);
        using (result.Replacement)
        {
            AssertContentHeadersCopied(result.Replacement);
            Assert.Equal(body, await ReadAllAsync(result.Replacement));
        }
    }

    [Theory]
    [InlineData(40, 100, 16)]
    [InlineData(0, 100, 16)]
    [InlineData(99, 100, 1)]
    [InlineData(5000, 20_000, 4096)]
    public async Task ReadAsync_BodyShorterThanContentLength_IncompleteWithReplacementOfBytesRead(int actual, long declared, int chunk)
    {
        var body = Bytes(actual);
        var (content, stream) = Declared(body, declared, chunk);

        var result = await BodyReader.ReadAsync(content, 1_000_000, TestContext.Current.CancellationToken);

        Assert.Equal(NotStoredReason.Incomplete, result.Reason);
        Assert.Null(result.Record);
        Assert.Equal(actual, result.Length);
        Assert.NotNull(result.Replacement);
        Assert.True(stream.IsDisposed);
        using (result.Replacement)
        {
            AssertContentHeadersCopied(result.Replacement);
            Assert.Equal(actual, result.Replacement.Headers.ContentLength);
            Assert.Equal(body, await ReadAllAsync(result.Replacement));
        }
    }

    [Fact]
    public async Task ReadAsync_Twice_RecordsAreIndependent()
    {
        var first = Bytes(20_000, seed: 1);
        var second = Bytes(20_000, seed: 2);
        var (a, _) = Unknown(first, chunk: 5000);
        var (b, _) = Unknown(second, chunk: 5000);

        var resultA = await BodyReader.ReadAsync(a, 1_000_000, TestContext.Current.CancellationToken);
        var resultB = await BodyReader.ReadAsync(b, 1_000_000, TestContext.Current.CancellationToken);

        AssertRecordHolds(first, resultA);
        AssertRecordHolds(second, resultB);
        Assert.NotSame(resultA.Record, resultB.Record);
    }

    [Fact]
    public async Task ReadAsync_UnboundedLimitAndUnknownLength_StoresTheWholeBody()
    {
        var body = Enumerable.Range(0, 40_000).Select(i => (byte)(i % 7)).ToArray();
        using var content = new StreamContent(new NonSeekableStream(body));

        var result = await BodyReader.ReadAsync(content, long.MaxValue, TestContext.Current.CancellationToken);

        Assert.NotNull(result.Record);
        Assert.Equal(body.Length, result.Length);
        Assert.Equal(body, result.Record.AsSpan(RecordFormat.BodyHeaderLength).ToArray());
    }
}
