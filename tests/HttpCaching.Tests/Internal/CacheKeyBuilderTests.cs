using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed partial class CacheKeyBuilderTests
{
    private const string SecretUrl = "https://Api.Example.TEST:8443/v1/Resource/42?url=https%3A%2F%2Fvictim.test%2Fpage&api_key=s3cr3t-KEY#fragment";

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex RequestHash();

    [GeneratedRegex("^[A-Za-z0-9_-]{22}$")]
    private static partial Regex VersionId();

    private static string Hash(string url, string method = "GET") => CacheKeyBuilder.HashRequest(method, new Uri(url));

    private static string Reference(string input) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(input)));

    [Theory]
    [InlineData("https://a.test/x", "https://A.TEST/x")]
    [InlineData("https://a.test/x", "HTTPS://a.test/x")]
    [InlineData("https://a.test/x", "https://a.test:443/x")]
    [InlineData("http://a.test/x", "http://a.test:80/x")]
    [InlineData("https://a.test/x", "https://a.test/x#fragment")]
    [InlineData("https://a.test/x?q=1", "https://a.test/x?q=1#frag")]
    [InlineData("https://a.test/x?q=1", "https://A.test:443/x?q=1#")]
    [InlineData("https://a.test/", "https://a.test")]
    [InlineData("https://a.test/x", "https://user:pass@a.test/x")]
    public void HashRequest_EquivalentUris_SameHash(string a, string b)
    {
        Assert.Equal(Hash(a), Hash(b));
    }

    [Theory]
    [InlineData("https://a.test/x?q=1", "https://a.test/x?q=2")]
    [InlineData("https://a.test/x?q=1", "https://a.test/x")]
    [InlineData("https://a.test/x?a=1&b=2", "https://a.test/x?b=2&a=1")]
    [InlineData("https://a.test/x?q=A", "https://a.test/x?q=a")]
    [InlineData("https://a.test/x", "http://a.test/x")]
    [InlineData("https://a.test/x", "https://a.test/X")]
    [InlineData("https://a.test/x", "https://a.test/x/")]
    [InlineData("https://a.test/x", "https://b.test/x")]
    [InlineData("https://a.test/x", "https://a.test:8443/x")]
    [InlineData("https://a.test:443/x", "https://a.test:444/x")]
    public void HashRequest_DifferentUris_DifferentHash(string a, string b)
    {
        Assert.NotEqual(Hash(a), Hash(b));
    }

    [Theory]
    [InlineData("GET", "HEAD")]
    [InlineData("GET", "POST")]
    [InlineData("GET", "get")]
    public void HashRequest_DifferentMethod_DifferentHash(string a, string b)
    {
        Assert.NotEqual(Hash("https://a.test/x", a), Hash("https://a.test/x", b));
    }

    [Theory]
    [InlineData("https://a.test/x", "GET https://a.test/x")]
    [InlineData("https://A.TEST:443/x?q=1#f", "GET https://a.test/x?q=1")]
    [InlineData("http://a.test:8080/", "GET http://a.test:8080/")]
    public void HashRequest_Uri_IsBase64UrlSha256OfMethodSpaceNormalizedUri(string url, string hashed)
    {
        Assert.Equal(Reference(hashed), Hash(url));
    }

    [Theory]
    [InlineData("https://a.test/x")]
    [InlineData(SecretUrl)]
    [InlineData("http://[::1]:8080/p?q")]
    public void HashRequest_AnyUri_Is43Base64UrlChars(string url)
    {
        var hash = Hash(url);

        Assert.Equal(43, hash.Length);
        Assert.Matches(RequestHash(), hash);
    }

    [Theory]
    [InlineData("https://A.TEST:443/x#f", "https://a.test/x")]
    [InlineData("HTTP://a.test:80/P?Q=1", "http://a.test/P?Q=1")]
    [InlineData("https://a.test:8443/x", "https://a.test:8443/x")]
    public void NormalizeUri_Uri_LowercasesSchemeAndHostDropsDefaultPortAndFragment(string url, string expected)
    {
        Assert.Equal(expected, CacheKeyBuilder.NormalizeUri(new Uri(url)));
    }

    [Fact]
    public void EntryKeyAndBodyKey_SecretUrl_ContainNoPartOfTheUrl()
    {
        var hash = Hash(SecretUrl);
        var versionId = CacheKeyBuilder.VersionIdFromETag("\"abc\"");

        var keys = new[]
        {
            CacheKeyBuilder.EntryKey("hc:", "client", hash),
            CacheKeyBuilder.BodyKey("hc:", "client", hash, versionId),
        };

        foreach (var key in keys)
        {
            foreach (var part in new[] { "api.example", "example.test", "8443", "/v1", "Resource/42", "victim", "api_key", "s3cr3t", "fragment", "https", "/", ".", "?", "=", "&", "%" })
            {
                Assert.DoesNotContain(part, key, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void EntryKey_Parts_FormatsPrefixClientKindHash()
    {
        var hash = Hash("https://a.test/x");

        Assert.Equal($"myapp:oembed:e:{hash}", CacheKeyBuilder.EntryKey("myapp:", "oembed", hash));
        Assert.Equal($"oembed:e:{hash}", CacheKeyBuilder.EntryKey("", "oembed", hash));
    }

    [Fact]
    public void BodyKey_Parts_FormatsPrefixClientKindHashVersion()
    {
        var hash = Hash("https://a.test/x");
        var versionId = CacheKeyBuilder.VersionIdFromContent("body"u8);

        Assert.Equal($"myapp:oembed:b:{hash}:{versionId}", CacheKeyBuilder.BodyKey("myapp:", "oembed", hash, versionId));
        Assert.Equal($"oembed:b:{hash}:{versionId}", CacheKeyBuilder.BodyKey("", "oembed", hash, versionId));
    }

    [Fact]
    public void EntryKeyAndBodyKey_SameUrl_ShareHashButDifferInKind()
    {
        var hash = Hash("https://a.test/x");
        var entry = CacheKeyBuilder.EntryKey("p:", "c", hash);
        var body = CacheKeyBuilder.BodyKey("p:", "c", hash, "v");

        Assert.NotEqual(entry, body);
        Assert.False(body.StartsWith(entry, StringComparison.Ordinal));
        Assert.Contains(hash, entry, StringComparison.Ordinal);
        Assert.Contains(hash, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"a\"", "\"b\"")]
    [InlineData("\"a\"", "W/\"a\"")]
    [InlineData("\"a\"", "\"a \"")]
    [InlineData("\"abc\"", "\"ABC\"")]
    public void VersionIdFromETag_DifferentTags_DifferentIds(string a, string b)
    {
        Assert.NotEqual(CacheKeyBuilder.VersionIdFromETag(a), CacheKeyBuilder.VersionIdFromETag(b));
    }

    [Fact]
    public void VersionIdFromETag_SameTag_SameIdOf22Base64UrlChars()
    {
        var a = CacheKeyBuilder.VersionIdFromETag("\"v1\"");
        var b = CacheKeyBuilder.VersionIdFromETag("\"v1\"");

        Assert.Equal(a, b);
        Assert.Matches(VersionId(), a);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData("T\"v1\""u8).AsSpan(0, 16)), a);
    }

    [Fact]
    public void VersionIdFromContent_DifferentContent_DifferentIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal)
        {
            CacheKeyBuilder.VersionIdFromContent([]),
            CacheKeyBuilder.VersionIdFromContent([0]),
            CacheKeyBuilder.VersionIdFromContent([0, 0]),
            CacheKeyBuilder.VersionIdFromContent("a"u8),
            CacheKeyBuilder.VersionIdFromContent("b"u8),
            CacheKeyBuilder.VersionIdFromContent("ab"u8),
            CacheKeyBuilder.VersionIdFromContent(new byte[100_000]),
        };

        Assert.Equal(7, ids.Count);
    }

    [Fact]
    public void VersionIdFromContent_SameContent_SameIdOf22Base64UrlChars()
    {
        var body = Encoding.UTF8.GetBytes(new string('x', 5000));

        var a = CacheKeyBuilder.VersionIdFromContent(body);
        var b = CacheKeyBuilder.VersionIdFromContent((byte[])body.Clone());

        Assert.Equal(a, b);
        Assert.Matches(VersionId(), a);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData([(byte)'C', .. body]).AsSpan(0, 16)), a);
    }

    [Fact]
    public void VersionIdFromETagAndContent_SameText_DifferentIds()
    {
        Assert.NotEqual(CacheKeyBuilder.VersionIdFromETag("\"v1\""), CacheKeyBuilder.VersionIdFromContent("\"v1\""u8));
    }

    [Theory]
    [InlineData("\"v1\"", "T\"v1\"")]
    [InlineData("\"v1\"", "etag:\"v1\"")]
    [InlineData("\"\"", "T\"\"")]
    public void VersionIdFromContent_BodySpellingATagsHashInput_NeverCollidesWithTheTag(string etag, string body)
    {
        Assert.NotEqual(CacheKeyBuilder.VersionIdFromETag(etag), CacheKeyBuilder.VersionIdFromContent(System.Text.Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(508)]
    [InlineData(512)]
    [InlineData(1020)]
    [InlineData(2000)]
    [InlineData(10_000)]
    [InlineData(60_000)]
    public void HashRequest_LongUri_MatchesReferenceHash(int length)
    {
        const string prefix = "https://a.test/";
        var url = prefix + new string('p', length - prefix.Length);
        Assert.Equal(length, url.Length);

        var hash = Hash(url);

        Assert.Equal(Reference("GET " + url), hash);
        Assert.Matches(RequestHash(), hash);
        Assert.NotEqual(hash, Hash(url + "q"));
        Assert.NotEqual(hash, Hash(url[..^1]));
    }

    [Fact]
    public void HashRequest_LongUriWithLongMethod_MatchesReferenceHash()
    {
        var method = new string('M', 3000);
        var url = "https://a.test/?" + new string('q', 10_000);

        Assert.Equal(Reference(method + " " + url), Hash(url, method));
    }

    [Fact]
    public void HashRequest_NonAsciiUri_HashesEscapedForm()
    {
        var hash = Hash("https://a.test/caf\u00e9?q=\u00fc");

        Assert.Equal(Reference("GET https://a.test/caf%C3%A9?q=%C3%BC"), hash);
        Assert.Equal(hash, Hash("https://a.test/caf%C3%A9?q=%C3%BC"));
    }

    [Fact]
    public void VariantVersionId_IsOfItsVariantOnly()
    {
        var base64 = CacheKeyBuilder.VersionIdFromETag("\"v1\"");
        var alice = CacheKeyBuilder.VariantVersionId(base64, "authorization\nBearer alice\n");
        var bob = CacheKeyBuilder.VariantVersionId(base64, "authorization\nBearer bob\n");

        Assert.NotEqual(alice, bob);
        Assert.True(CacheKeyBuilder.IsOfVariant(alice, "authorization\nBearer alice\n"));
        Assert.False(CacheKeyBuilder.IsOfVariant(alice, "authorization\nBearer bob\n"));
        Assert.False(CacheKeyBuilder.IsOfVariant(bob, "authorization\nBearer alice\n"));

        // An id without the tag (a record written before it, or not a variant's) is no variant's; nor is the tag alone.
        Assert.False(CacheKeyBuilder.IsOfVariant(base64, "authorization\nBearer alice\n"));
        var tag = alice[^6..];
        Assert.False(CacheKeyBuilder.IsOfVariant(tag, "authorization\nBearer alice\n"));
        Assert.False(CacheKeyBuilder.IsOfVariant(base64[..^7] + "x" + tag, "authorization\nBearer alice\n"));

        // A long variant id (many request fields) is tagged as well.
        var longId = new string('a', 2000);
        Assert.True(CacheKeyBuilder.IsOfVariant(CacheKeyBuilder.VariantVersionId(base64, longId), longId));
    }
}
