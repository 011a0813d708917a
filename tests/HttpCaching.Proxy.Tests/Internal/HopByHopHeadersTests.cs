using HttpCaching.Proxy.Internal;

namespace HttpCaching.Proxy.Tests.Internal;

public sealed class HopByHopHeadersTests
{
    [Theory]
    [InlineData("Connection")]
    [InlineData("keep-alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("te")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Upgrade")]
    [InlineData("Trailer")]
    [InlineData("Proxy-Authorization")]
    [InlineData("Proxy-Authenticate")]
    public void IsHopByHop_FixedFields_True(string name) => Assert.True(HopByHopHeaders.IsHopByHop(name));

    [Theory]
    [InlineData("Authorization")]
    [InlineData("Cache-Control")]
    [InlineData("Cache-Status")]
    [InlineData("Age")]
    [InlineData("Set-Cookie")]
    public void IsHopByHop_EndToEndFields_False(string name) => Assert.False(HopByHopHeaders.IsHopByHop(name));

    [Fact]
    public void ConnectionTokens_SplitsListsAcrossFieldLines()
    {
        var tokens = HopByHopHeaders.ConnectionTokens(["close, X-A ,, x-b", "X-C"]);

        Assert.NotNull(tokens);
        Assert.True(HopByHopHeaders.ShouldRemove("x-a", tokens));
        Assert.True(HopByHopHeaders.ShouldRemove("X-B", tokens));
        Assert.True(HopByHopHeaders.ShouldRemove("X-C", tokens));
        Assert.False(HopByHopHeaders.ShouldRemove("X-D", tokens));
    }

    [Fact]
    public void ConnectionTokens_NoOrEmptyValues_Null()
    {
        Assert.Null(HopByHopHeaders.ConnectionTokens(null));
        Assert.Null(HopByHopHeaders.ConnectionTokens(["", " , "]));
        Assert.False(HopByHopHeaders.ShouldRemove("X-A", null));
    }
}
