using System.Net;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>Which fields are stored (RFC 9111 §3.1, §5.2.2.4, §5.2.2.7), looked up and merged (§3.2).</summary>
public sealed class CachedHeadersTests
{
    [Fact]
    public void Collect_FieldsNamedInConnection_NotStored()
    {
        using var response = ProtocolFixtures.Response(HttpStatusCode.OK, "x", "Connection: X-Hop, x-other", "X-Hop: 1", "X-Other: 2", "X-Kept: 3");
        Assert.Equal(["X-Kept"], Names(response, "", shared: true));
    }

    [Theory]
    [InlineData(true, new[] { "X-Public" })]
    [InlineData(false, new[] { "X-Personal", "X-Public", "X-Secret" })]
    public void Collect_PrivateFieldNames_DroppedInASharedCacheOnly(bool shared, string[] expected)
    {
        using var response = ProtocolFixtures.Response(HttpStatusCode.OK, "x", "X-Secret: 1", "X-Personal: 2", "X-Public: 3");
        Assert.Equal(expected, Names(response, "private=\"x-secret, X-Personal\"", shared));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Collect_NoCacheFieldNames_DroppedInEveryCache(bool shared)
    {
        using var response = ProtocolFixtures.Response(HttpStatusCode.OK, "x", "X-Fresh: 1", "X-Kept: 2");
        Assert.Equal(["X-Kept"], Names(response, "no-cache=\"X-Fresh\"", shared));
    }

    [Theory]
    [InlineData("private=\"X-Secret, x-personal\"", true, new[] { "X-Public" })]
    [InlineData("private=\"X-Secret, x-personal\"", false, new[] { "X-Secret", "X-Personal", "X-Public" })]
    [InlineData("no-cache=\"X-Personal\"", false, new[] { "X-Secret", "X-Public" })]
    [InlineData("no-cache=\"X-Secret\", private=\"X-Public\"", true, new[] { "X-Personal" })]
    public void Without_FieldsTheDirectivesName_Dropped(string cacheControl, bool shared, string[] expected)
    {
        CachedHeader[] headers = [new("X-Secret", ["1"]), new("X-Personal", ["2"]), new("X-Public", ["3"])];
        var kept = CachedHeaders.Without(headers, CacheControl.Parse(cacheControl), shared);
        Assert.Equal(expected, kept.Select(h => h.Name));
    }

    [Theory]
    [InlineData("max-age=60")]
    [InlineData("private=\"X-Other\"")]
    public void Without_NoStoredFieldNamed_SameFields(string cacheControl)
    {
        CachedHeader[] headers = [new("X-Secret", ["1"]), new("X-Public", ["3"])];
        Assert.Equal(["X-Secret", "X-Public"], CachedHeaders.Without(headers, CacheControl.Parse(cacheControl), shared: true).Select(h => h.Name));
    }

    [Fact]
    public void Collect_ExcludedByTheCaller_NotStored()
    {
        using var response = ProtocolFixtures.Response(HttpStatusCode.OK, "x", "X-A: 1", "X-B: 2");
        var directives = CacheControl.Parse((string?)null);
        var stored = CachedHeaders.Collect(response.Headers, directives, shared: true, name => name == "X-A");
        Assert.Equal(["X-B"], stored.Select(h => h.Name));
    }

    [Fact]
    public void Collect_EveryValueOfAField_KeptInOrder()
    {
        using var response = ProtocolFixtures.Response(HttpStatusCode.OK, "x", "X-List: a", "X-List: b");
        var stored = CachedHeaders.Collect(response.Headers, CacheControl.Parse((string?)null), shared: true, _ => false);
        Assert.Equal(["a", "b"], Assert.Single(stored).Values);
    }

    [Fact]
    public void Collect_NoFields_Empty()
    {
        using var response = new HttpResponseMessage();
        Assert.Empty(CachedHeaders.Collect(response.Headers, CacheControl.Parse((string?)null), shared: true, _ => false));
    }

    [Fact]
    public void FirstAndJoined_CaseInsensitive_FirstValueOrAllJoined()
    {
        CachedHeader[] headers = [new("X-Empty", []), new("X-List", ["a", "b"]), new("X-One", ["c"])];
        Assert.Equal("a", CachedHeaders.First(headers, "x-list"));
        Assert.Equal("a, b", CachedHeaders.Joined(headers, "X-LIST"));
        Assert.Equal("c", CachedHeaders.Joined(headers, "x-one"));
        Assert.Null(CachedHeaders.First(headers, "X-Empty"));
        Assert.Equal(string.Empty, CachedHeaders.Joined(headers, "X-Empty"));
        Assert.Null(CachedHeaders.First(headers, "X-None"));
        Assert.Null(CachedHeaders.Joined(headers, "X-None"));
    }

    [Fact]
    public void Merge_UpdateReplacesFieldsOfTheSameNameAndKeepsTheRest()
    {
        CachedHeader[] stored = [new("ETag", ["\"a\""]), new("X-Old", ["1", "2"]), new("Cache-Control", ["max-age=60"])];
        CachedHeader[] update = [new("x-old", ["3"]), new("X-New", ["4"])];

        var merged = CachedHeaders.Merge(stored, update);

        Assert.Equal(["ETag", "Cache-Control", "x-old", "X-New"], merged.Select(h => h.Name));
        Assert.Equal(["3"], merged[2].Values);
    }

    [Fact]
    public void Merge_EmptyUpdate_StoredAsItIs()
    {
        CachedHeader[] stored = [new("ETag", ["\"a\""])];
        Assert.Same(stored, CachedHeaders.Merge(stored, []));
    }

    [Theory]
    [InlineData("x-a", "X-A", true)]
    [InlineData(" x-b , X-A ", "x-a", true)]
    [InlineData("x-a,x-b", "x-b", true)]
    [InlineData("x-ab", "x-a", false)]
    [InlineData("x-a", "x-ab", false)]
    [InlineData("", "x-a", false)]
    [InlineData(",,", "x-a", false)]
    public void ListContains_WholeNamesOnly(string list, string name, bool expected) =>
        Assert.Equal(expected, CachedHeaders.ListContains(list, name));

    private static string[] Names(HttpResponseMessage response, string cacheControl, bool shared) =>
        [.. CachedHeaders.Collect(response.Headers, CacheControl.Parse(cacheControl), shared, CachePolicy.IsExcludedFromStorage).Select(h => h.Name).Order(StringComparer.Ordinal)];
}
