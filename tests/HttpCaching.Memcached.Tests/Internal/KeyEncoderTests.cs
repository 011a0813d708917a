using System.Text;
using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

public sealed class KeyEncoderTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("key with spaces\r\nand\tcontrol\0chars")]
    [InlineData("ключ 鍵🔑")]
    public void Encode_AnyKey_IsAValidMemcachedKey(string key)
    {
        var wire = KeyEncoder.Encode(KeyEncoder.Raw("prefix ", key));

        Assert.InRange(wire.Length, 1, 250);
        Assert.All(wire, b => Assert.True(b is > 0x20 and < 0x7F, "printable, no white space"));
    }

    [Fact]
    public void Raw_UpToTheLimit_IsTheKeysUtf8Bytes()
    {
        var key = new string('k', KeyEncoder.MaxRawBytes - 2);

        Assert.Equal(Encoding.UTF8.GetBytes("p:" + key), KeyEncoder.Raw("p:", key));
        Assert.Equal(248, KeyEncoder.Encode(KeyEncoder.Raw("p:", key)).Length);
    }

    [Fact]
    public void Raw_BeyondTheLimit_IsTheMarkerAndTheHash()
    {
        var raw = KeyEncoder.Raw(string.Empty, new string('k', KeyEncoder.MaxRawBytes + 1));

        Assert.Equal(33, raw.Length);
        Assert.Equal(KeyEncoder.HashedMarker, raw[0]);
    }

    [Fact]
    public void Raw_LongKeysDifferingInTheLastCharacter_Differ()
    {
        var key = new string('k', 10_000);

        Assert.NotEqual(KeyEncoder.Raw(string.Empty, key + "a"), KeyEncoder.Raw(string.Empty, key + "b"));
    }

    [Fact]
    public void Raw_PrefixAndKey_SplitDoesNotMatter()
    {
        Assert.Equal(KeyEncoder.Raw("ab", "c"), KeyEncoder.Raw("a", "bc"));
    }

    [Fact]
    public void Raw_EmptyKey_IsTheEmptyMarker()
    {
        Assert.Equal([KeyEncoder.EmptyMarker], KeyEncoder.Raw(string.Empty, string.Empty));
    }

    [Fact]
    public void Raw_NonAsciiKeyNearTheLimit_CountsBytesNotCharacters()
    {
        // 100 two-byte characters are 200 bytes: hashed, though only 100 characters.
        var raw = KeyEncoder.Raw(string.Empty, new string('é', 100));

        Assert.Equal(KeyEncoder.HashedMarker, raw[0]);
    }
}
