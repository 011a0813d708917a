using System.Net;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class TargetedCacheControlTests
{
    [Theory]
    [InlineData("max-age=60", 60)]
    [InlineData("  max-age=60  ", 60)]
    [InlineData("foobar, max-age=3600", 3600)]
    [InlineData("max-age=3600;foo=bar", 3600)]
    [InlineData("max-age=1, max-age=90", 90)]
    [InlineData("max-age=99999999999", CacheControl.Overflow)]
    [InlineData("max-age=999999999999999", CacheControl.Overflow)]
    [InlineData("max-age=60,\tno-transform", 60)]
    public void TryParse_ValidDictionary_ReadsMaxAge(string value, long expected)
    {
        Assert.True(TargetedCacheControl.TryParse(value, out var directives));

        Assert.True(directives.Targeted);
        Assert.Equal(expected, directives.MaxAge);
    }

    [Theory]
    [InlineData("max-age =100")]
    [InlineData("max-age= 100")]
    [InlineData("max-age=10000, &&&&&")]
    [InlineData("MaX-aGe=3600")]
    [InlineData("max-age=60,")]
    [InlineData(",max-age=60")]
    [InlineData("max-age=60 no-store")]
    [InlineData("private=\"unterminated")]
    [InlineData("private=\"bad \\n escape\"")]
    [InlineData("max-age=1234567890123456")]
    [InlineData("max-age=1.2345")]
    [InlineData("max-age=?2")]
    [InlineData("max-age=(1 2")]
    [InlineData("max-age=:abc")]
    [InlineData("max-age=-")]
    [InlineData("max-age=60;")]
    public void TryParse_InvalidDictionary_False(string value)
    {
        Assert.False(TargetedCacheControl.TryParse(value, out _));
    }

    [Theory]
    [InlineData("max-age=\"10000\"")]
    [InlineData("max-age=?1")]
    [InlineData("max-age=1.5")]
    [InlineData("max-age=token")]
    [InlineData("max-age=-5")]
    [InlineData("max-age=(1 2)")]
    [InlineData("max-age=:AQID:")]
    public void TryParse_MemberOfTheWrongType_IgnoresThatMemberOnly(string value)
    {
        Assert.True(TargetedCacheControl.TryParse(value + ", no-store", out var directives));

        Assert.Equal(CacheControl.Absent, directives.MaxAge);
        Assert.True(directives.Has(CacheControlFlags.NoStore));
    }

    [Fact]
    public void TryParse_Flags_ReadAsBooleans()
    {
        Assert.True(TargetedCacheControl.TryParse("private, no-cache, must-revalidate=?1, public=?0, s-maxage=30, stale-if-error=5, stale-while-revalidate=7", out var directives));

        Assert.True(directives.Has(CacheControlFlags.Private));
        Assert.True(directives.Has(CacheControlFlags.NoCache));
        Assert.True(directives.Has(CacheControlFlags.MustRevalidate));
        Assert.False(directives.Has(CacheControlFlags.Public));
        Assert.Equal(30, directives.SharedMaxAge);
        Assert.Equal(5, directives.StaleIfError);
        Assert.Equal(7, directives.StaleWhileRevalidate);
    }

    [Fact]
    public void TryParse_QualifiedNoCacheAndPrivate_ReadFieldNamesFromStrings()
    {
        Assert.True(TargetedCacheControl.TryParse("no-cache=\"Set-Cookie\", private=\"X-User, X-Other\"", out var directives));

        Assert.Equal("Set-Cookie", directives.NoCacheFields);
        Assert.Equal("X-User, X-Other", directives.PrivateFields);
    }

    [Fact]
    public void TryParse_QualifiedFieldWithAQuote_Ignored()
    {
        Assert.True(TargetedCacheControl.TryParse("private=\"X-User\\\"\", max-age=5", out var directives));

        Assert.False(directives.Has(CacheControlFlags.Private));
        Assert.Null(directives.PrivateFields);
        Assert.Equal(5, directives.MaxAge);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_Empty_ValidWithNoDirectives(string value)
    {
        Assert.True(TargetedCacheControl.TryParse(value, out var directives));

        Assert.True(directives.Targeted);
        Assert.Equal(CacheControlFlags.None, directives.Flags);
        Assert.Equal(CacheControl.Absent, directives.MaxAge);
    }

    [Fact]
    public void Of_NoTargets_CacheControlRules()
    {
        using var response = Response(("Cache-Control", "max-age=10"), ("CDN-Cache-Control", "max-age=99"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets());

        Assert.False(directives.Targeted);
        Assert.Equal(10, directives.MaxAge);
    }

    [Fact]
    public void Of_TargetPresent_RulesInsteadOfCacheControl()
    {
        using var response = Response(("Cache-Control", "no-store"), ("cdn-cache-control", "max-age=99"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets("CDN-Cache-Control"));

        Assert.True(directives.Targeted);
        Assert.Equal(99, directives.MaxAge);
        Assert.False(directives.Has(CacheControlFlags.NoStore));
    }

    [Fact]
    public void Of_FirstTargetInvalid_NextValidTargetRules()
    {
        using var response = Response(("Cache-Control", "max-age=1"), ("HttpCaching-Cache-Control", "max-age =5"), ("CDN-Cache-Control", "max-age=99"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets("HttpCaching-Cache-Control", "CDN-Cache-Control"));

        Assert.Equal(99, directives.MaxAge);
    }

    [Fact]
    public void Of_TargetsInListOrder_FirstOnTheListWins()
    {
        using var response = Response(("CDN-Cache-Control", "max-age=99"), ("HttpCaching-Cache-Control", "max-age=5"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets("HttpCaching-Cache-Control", "CDN-Cache-Control"));

        Assert.Equal(5, directives.MaxAge);
    }

    [Fact]
    public void Of_AllTargetsInvalid_CacheControlRules()
    {
        using var response = Response(("Cache-Control", "max-age=1"), ("CDN-Cache-Control", "max-age=\"x\" &"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets("CDN-Cache-Control"));

        Assert.False(directives.Targeted);
        Assert.Equal(1, directives.MaxAge);
    }

    [Fact]
    public void Of_TargetOnSeveralLines_JoinedIntoOneDictionary()
    {
        using var response = Response(("CDN-Cache-Control", "max-age=99"), ("CDN-Cache-Control", "private"));

        var directives = TargetedCacheControl.Of(response.Headers, Targets("CDN-Cache-Control"));

        Assert.Equal(99, directives.MaxAge);
        Assert.True(directives.Has(CacheControlFlags.Private));
    }

    [Fact]
    public void OfStored_NoValidTarget_Null()
    {
        CachedHeader[] headers = [new("Cache-Control", ["max-age=1"]), new("CDN-Cache-Control", ["max-age= 1"])];

        Assert.Null(TargetedCacheControl.OfStored(headers, Targets("CDN-Cache-Control")));
        Assert.Equal(7, TargetedCacheControl.OfStored([new("CDN-Cache-Control", ["max-age=7"])], Targets("CDN-Cache-Control"))?.MaxAge);
    }

    private static ThirdPartyCachingOptions Targets(params string[] fields)
    {
        var options = new ThirdPartyCachingOptions();
        foreach (var field in fields)
        {
            options.TargetedCacheControlFields.Add(field);
        }

        return options;
    }

    private static HttpResponseMessage Response(params (string Name, string Value)[] fields)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK);
        foreach (var (name, value) in fields)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }
}
