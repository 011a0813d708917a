using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class RequestKeyCacheTests
{
    private const string Prefix = "httpcaching:";

    [Fact]
    public void Get_SameUriAgain_ReturnsTheKeysRemembered()
    {
        var cache = new RequestKeyCache("client");
        var uri = new Uri("https://api.example/items?id=1");

        var first = cache.Get(uri, Prefix);

        Assert.Same(first, cache.Get(new Uri("https://api.example/items?id=1"), Prefix));
        Assert.Equal(CacheKeyBuilder.HashRequest("GET", uri), first.RequestHash);
        Assert.Equal(CacheKeyBuilder.EntryKey(Prefix, "client", first.RequestHash), first.EntryKey);
    }

    [Fact]
    public void Get_UrisWrittenAlikeThatGoOutDifferently_EachKeepsItsOwnKeys()
    {
        // Written alike, but the one without canonicalization is sent with its dot segments: another resource.
        const string Written = "https://api.example/files/a/../b";
        var cache = new RequestKeyCache("client");
        var raw = new Uri(Written, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var normal = new Uri(Written);

        var rawKeys = cache.Get(raw, Prefix);
        var normalKeys = cache.Get(normal, Prefix);

        Assert.Equal(CacheKeyBuilder.HashRequest("GET", raw), rawKeys.RequestHash);
        Assert.Equal(CacheKeyBuilder.HashRequest("GET", normal), normalKeys.RequestHash);
        Assert.NotEqual(rawKeys.RequestHash, normalKeys.RequestHash);
        Assert.Equal(normalKeys.RequestHash, cache.Get(new Uri("https://api.example/files/b"), Prefix).RequestHash);
        Assert.Equal(rawKeys.RequestHash, cache.Get(raw, Prefix).RequestHash);
        Assert.Equal(normalKeys.RequestHash, cache.Get(normal, Prefix).RequestHash);
    }

    [Theory]
    [InlineData("https://api.example/1/oembed?url=https%3A%2F%2Fexample.com%2Fa&maxwidth=500")]
    [InlineData("https://api.example/1/oembed?url=https://example.com/a")]
    [InlineData("https://api.example/feeds/news.rss")]
    public void Get_CanonicalUriWrittenAsItGoesOut_RemembersItForBothKinds(string written)
    {
        // Written canonically, a URI goes out as written whether or not it is canonicalized: one set of keys serves both.
        var cache = new RequestKeyCache("client");
        var normal = cache.Get(new Uri(written), Prefix);

        Assert.Same(normal, cache.Get(new Uri(written), Prefix));
        Assert.Same(normal, cache.Get(new Uri(written, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }), Prefix));
    }

    [Fact]
    public void Get_OtherPrefix_BuildsKeysUnderIt()
    {
        var cache = new RequestKeyCache("client");
        var uri = new Uri("https://api.example/items");
        cache.Get(uri, Prefix);

        var other = cache.Get(uri, "other:");

        Assert.Equal("other:", other.Prefix);
        Assert.StartsWith("other:client:e:", other.EntryKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_MoreUrisThanCapacity_StartsOverInsteadOfGrowing()
    {
        var cache = new RequestKeyCache("client");
        var first = cache.Get(new Uri("https://api.example/items?n=0"), Prefix);
        for (var i = 1; i < RequestKeyCache.Capacity; i++)
        {
            cache.Get(new Uri($"https://api.example/items?n={i}"), Prefix);
        }

        Assert.Same(first, cache.Get(new Uri("https://api.example/items?n=0"), Prefix));

        // One more URI than it holds: it starts over, so the first URI's keys are built again.
        cache.Get(new Uri($"https://api.example/items?n={RequestKeyCache.Capacity}"), Prefix);
        var again = cache.Get(new Uri("https://api.example/items?n=0"), Prefix);

        Assert.NotSame(first, again);
        Assert.Equal(first, again);
    }
}
