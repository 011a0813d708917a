using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

public sealed class ServerAddressTests
{
    [Theory]
    [InlineData("cache:11211", "cache", 11211)]
    [InlineData("cache", "cache", 11211)]
    [InlineData("127.0.0.1:1", "127.0.0.1", 1)]
    [InlineData("[::1]:11300", "::1", 11300)]
    [InlineData("[::1]", "::1", 11211)]
    public void TryParse_Valid_HostAndPort(string text, string host, int port)
    {
        Assert.True(ServerAddress.TryParse(text, out var address));
        Assert.Equal(new ServerAddress(host, port), address);
    }

    [Theory]
    [InlineData("cache:0")]
    [InlineData("cache:65536")]
    [InlineData("cache:+1")]
    [InlineData("cache:")]
    [InlineData(":11211")]
    [InlineData("::1:11211")]
    [InlineData("[::1]x")]
    [InlineData("ca che:11211")]
    [InlineData("user@cache:11211")]
    public void TryParse_Invalid_False(string text)
    {
        Assert.False(ServerAddress.TryParse(text, out _));
    }

    [Fact]
    public void ParseList_Duplicates_NamesTheServer()
    {
        _ = ServerAddress.ParseList("a:1, b:2 ,a:1", out var error);

        Assert.Equal("names a:1 twice.", error);
    }

    [Fact]
    public void ParseList_Several_InOrder()
    {
        var list = ServerAddress.ParseList("a:1, b , [::1]:3", out var error);

        Assert.Null(error);
        Assert.Equal(["a:1", "b:11211", "[::1]:3"], list.Select(a => a.ToString()));
    }
}
