using System.Security.Cryptography;
using System.Text;
using HttpCaching.PostgreSql.Internal;

namespace HttpCaching.PostgreSql.Tests.Internal;

public sealed class CacheKeyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(10_000)]
    public void From_AnyLength_HashesTheUtf8Bytes(int length)
    {
        var text = new string('é', length);

        var key = CacheKey.From(text);

        Assert.Same(text, key.Text);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(text)), key.Hash);
    }

    [Fact]
    public void From_Null_ThrowsArgumentNull()
    {
        var error = Assert.Throws<ArgumentNullException>(() => CacheKey.From(null!));

        Assert.Equal("key", error.ParamName);
    }

    [Fact]
    public void From_NulCharacter_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => CacheKey.From("a\0"));

        Assert.Contains("U+0000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_UnpairedSurrogate_Throws()
    {
        Assert.Throws<ArgumentException>(() => CacheKey.From("a\ud83d"));
    }
}
