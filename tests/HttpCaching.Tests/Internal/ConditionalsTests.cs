using System.Net;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>The caller's own conditional requests against a stored response (RFC 9110 §13.1), and the 304 the cache sends.</summary>
public sealed class ConditionalsTests
{
    private const string LastModified = "Sat, 05 Nov 1994 08:49:37 GMT";

    [Theory]
    [InlineData("Cache-Control")]
    [InlineData("cache-control")]
    [InlineData("Content-Location")]
    [InlineData("Date")]
    [InlineData("ETag")]
    [InlineData("etag")]
    [InlineData("Expires")]
    [InlineData("Vary")]
    [InlineData("Last-Modified")]
    public void BelongsInNotModified_FieldsOfRfc9110Section15_4_5_True(string name) =>
        Assert.True(Conditionals.BelongsInNotModified(name));

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Content-Length")]
    [InlineData("Set-Cookie")]
    [InlineData("Age")]
    [InlineData("X-Cache-Control")]
    [InlineData("Dates")]
    [InlineData("")]
    public void BelongsInNotModified_OtherFields_False(string name) =>
        Assert.False(Conditionals.BelongsInNotModified(name));

    [Theory]
    [InlineData("If-None-Match", "\"a\"", true)]
    [InlineData("If-Modified-Since", LastModified, true)]
    [InlineData("If-Match", "\"a\"", false)]
    [InlineData("If-Unmodified-Since", LastModified, false)]
    [InlineData("If-Range", "\"a\"", false)]
    public void IsConditional_ByField(string name, string value, bool expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.example.test/");
        request.Headers.TryAddWithoutValidation(name, value);
        Assert.Equal(expected, Conditionals.IsConditional(request));
    }

    [Theory]
    [InlineData("\"a\"", true)]
    [InlineData("W/\"a\"", true)]
    [InlineData("\"b\", \"a\"", true)]
    [InlineData("\"b\",\"a\"", true)]
    [InlineData("*", true)]
    [InlineData("\"b\"", false)]
    [InlineData("\"a,b\"", false)]
    [InlineData("", false)]
    public void NotModified_IfNoneMatch_WeakComparison(string ifNoneMatch, bool expected)
    {
        var entry = ProtocolFixtures.Entry(fields: ["ETag: \"a\"", "Cache-Control: max-age=60"]);
        Assert.Equal(expected, Conditionals.NotModified(Request(("If-None-Match", ifNoneMatch)), entry));
    }

    [Fact]
    public void NotModified_IfNoneMatchOnSeveralLines_AnyLineMatches()
    {
        var entry = ProtocolFixtures.Entry(fields: ["ETag: \"a\""]);
        Assert.True(Conditionals.NotModified(Request(("If-None-Match", "\"b\""), ("If-None-Match", "\"a\"")), entry));
    }

    [Fact]
    public void NotModified_IfNoneMatchButNoStoredETag_FalseAndIfModifiedSinceIgnored()
    {
        var entry = ProtocolFixtures.Entry(fields: [$"Last-Modified: {LastModified}"]);
        Assert.False(Conditionals.NotModified(Request(("If-None-Match", "\"a\""), ("If-Modified-Since", LastModified)), entry));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"x\", *")]
    public void NotModified_IfNoneMatchStarAndNoStoredETag_True(string ifNoneMatch)
    {
        // "*" is false whenever a current representation exists (RFC 9110 §13.1.2), entity tag or not.
        var entry = ProtocolFixtures.Entry(fields: ["Cache-Control: max-age=60"]);
        Assert.True(Conditionals.NotModified(Request(("If-None-Match", ifNoneMatch)), entry));
    }

    [Fact]
    public void NotModified_IfNoneMatchFailsAndIfModifiedSinceWouldMatch_IfNoneMatchRules()
    {
        // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
        var entry = ProtocolFixtures.Entry(fields: ["ETag: \"a\"", $"Last-Modified: {LastModified}"]);
        Assert.False(Conditionals.NotModified(Request(("If-None-Match", "\"b\""), ("If-Modified-Since", LastModified)), entry));
    }

    [Theory]
    [InlineData(LastModified, true)]
    [InlineData("Sat, 05 Nov 1994 08:49:38 GMT", true)]
    [InlineData("Sat, 05 Nov 1994 08:49:36 GMT", false)]
    [InlineData("Saturday, 05-Nov-94 08:49:37 GMT", true)]
    [InlineData("not a date", false)]
    public void NotModified_IfModifiedSince_NoEarlierThanLastModified(string since, bool expected)
    {
        var entry = ProtocolFixtures.Entry(fields: [$"Last-Modified: {LastModified}"]);
        Assert.Equal(expected, Conditionals.NotModified(Request(("If-Modified-Since", since)), entry));
    }

    [Fact]
    public void NotModified_IfModifiedSinceButNoLastModified_False()
    {
        var entry = ProtocolFixtures.Entry(fields: ["ETag: \"a\""]);
        Assert.False(Conditionals.NotModified(Request(("If-Modified-Since", LastModified)), entry));
    }

    [Fact]
    public void NotModified_NoConditional_False()
    {
        var entry = ProtocolFixtures.Entry(fields: ["ETag: \"a\"", $"Last-Modified: {LastModified}"]);
        Assert.False(Conditionals.NotModified(Request(), entry));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.NonAuthoritativeInformation)]
    public void NotModified_StoredResponseNot200_False(HttpStatusCode status)
    {
        var entry = ProtocolFixtures.Entry(status, "x", credentialed: false, options: null, "ETag: \"a\"", $"Last-Modified: {LastModified}");
        Assert.False(Conditionals.NotModified(Request(("If-None-Match", "\"a\"")), entry));
        Assert.False(Conditionals.NotModified(Request(("If-Modified-Since", LastModified)), entry));
    }

    [Fact]
    public async Task EmptyContent_HasNoBodyAndNoContentLength()
    {
        using var content = Conditionals.EmptyContent();
        Assert.Null(content.Headers.ContentLength);
        Assert.Empty(await content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    private static HttpRequestMessage Request(params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "https://api.example.test/");
        foreach (var (name, value) in fields)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
