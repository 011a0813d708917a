using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>What of a URI may be logged: never its query string, nor user information.</summary>
public sealed class LoggedUriTests
{
    [Theory]
    [InlineData("https://api.example.test/oembed?url=a&key=secret", "https://api.example.test/oembed")]
    [InlineData("https://user:secret@api.example.test/feed.xml", "https://api.example.test/feed.xml")]
    [InlineData("https://api.example.test:8443/a/b#fragment", "https://api.example.test:8443/a/b")]
    [InlineData("http://api.example.test:80/", "http://api.example.test/")]
    public void ToString_AbsoluteUri_SchemeHostPortAndPathOnly(string uri, string expected) =>
        Assert.Equal(expected, new LoggedUri(new Uri(uri)).ToString());

    [Fact]
    public void ToString_RelativeUri_NoQuery() =>
        Assert.Equal("/oembed", new LoggedUri(new Uri("/oembed?key=secret", UriKind.Relative)).ToString());

    [Fact]
    public void ToString_Null_SaysSo() => Assert.Equal("(none)", new LoggedUri(null).ToString());
}
