using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData("bytes=0-1", 0, 1)]
    [InlineData("bytes=5-", 5, -1)]
    [InlineData("bytes=-5", -1, 5)]
    [InlineData("BYTES = 2-4", 2, 4)]
    [InlineData("bytes=0-1,", 0, 1)]
    [InlineData("bytes=, 0-1", 0, 1)]
    [InlineData("bytes=3-3", 3, 3)]
    [InlineData("bytes=0-99999999999999999999", 0, long.MaxValue)]
    public void Parse_OneRange_Single(string value, long first, long last)
    {
        var range = ByteRange.Parse(value);

        Assert.Equal(ByteRange.Kinds.Single, range.Kind);
        Assert.Equal(first, range.First);
        Assert.Equal(last, range.Last);
    }

    [Theory]
    [InlineData("bytes=0-1,3-4")]
    [InlineData("bytes=0-1, -2")]
    public void Parse_SeveralRanges_Multiple(string value)
    {
        Assert.Equal(ByteRange.Kinds.Multiple, ByteRange.Parse(value).Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bytes")]
    [InlineData("bytes=")]
    [InlineData("bytes=-")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=4-2")]
    [InlineData("bytes=1")]
    [InlineData("bytes=0-1, x")]
    [InlineData("items=0-1")]
    [InlineData("=0-1")]
    [InlineData("bytes=+1-2")]
    public void Parse_InvalidOrOtherUnit_None(string value)
    {
        Assert.Equal(ByteRange.Kinds.None, ByteRange.Parse(value).Kind);
    }

    [Theory]
    [InlineData("bytes=0-1", 11, 0, 2)]
    [InlineData("bytes=5-", 11, 5, 6)]
    [InlineData("bytes=-5", 11, 6, 5)]
    [InlineData("bytes=-50", 11, 0, 11)]
    [InlineData("bytes=3-100", 11, 3, 8)]
    [InlineData("bytes=10-10", 11, 10, 1)]
    [InlineData("bytes=0-0", 1, 0, 1)]
    public void TryResolve_Satisfiable_SelectsTheBytes(string value, long length, long offset, long count)
    {
        Assert.True(ByteRange.Parse(value).TryResolve(length, out var actualOffset, out var actualCount));

        Assert.Equal(offset, actualOffset);
        Assert.Equal(count, actualCount);
    }

    [Theory]
    [InlineData("bytes=11-", 11)]
    [InlineData("bytes=11-20", 11)]
    [InlineData("bytes=-0", 11)]
    [InlineData("bytes=0-", 0)]
    [InlineData("bytes=-5", 0)]
    public void TryResolve_Unsatisfiable_False(string value, long length)
    {
        Assert.False(ByteRange.Parse(value).TryResolve(length, out _, out _));
    }
}
