using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class SurrogateControlTests
{
    private const string Token = "httpcaching";

    [Theory]
    [InlineData("max-age=60", 60)]
    [InlineData("  max-age=60  ", 60)]
    [InlineData("MaX-aGe=60", 60)]
    [InlineData("foobar, max-age=3600", 3600)]
    [InlineData("content=\"ESI/1.0\", max-age=3600", 3600)]
    [InlineData("content=\"a, b\", max-age=30", 30)]
    [InlineData("max-age=99999999999", CacheControl.Overflow)]
    [InlineData("max-age=60;httpcaching", 60)]
    [InlineData("max-age=60;HttpCaching", 60)]
    [InlineData("max-age=60, , no-transform", 60)]
    [InlineData("max-age =60", 60)]
    [InlineData("max-age= 60", 60)]
    [InlineData("max-age=60 ; httpcaching", 60)]
    [InlineData("content=\"a\\\"b,c\", max-age=5", 5)]
    [InlineData("content=\"a\\\\\", max-age=7", 7)]
    public void TryParse_DirectiveForThisCache_ReadsMaxAge(string value, long expected)
    {
        Assert.True(SurrogateControl.TryParse(value, Token, out var directives));

        Assert.True(directives.Targeted);
        Assert.Equal(expected, directives.MaxAge);
    }

    [Fact]
    public void TryParse_MaxAgeWithStaleExtension_FreshThenUsableOnError()
    {
        Assert.True(SurrogateControl.TryParse("max-age=30+600", Token, out var directives));

        Assert.Equal(30, directives.MaxAge);
        Assert.Equal(600, directives.StaleIfError);
    }

    [Theory]
    [InlineData("max-age=60;other")]
    [InlineData("no-store;other")]
    [InlineData("content=\"ESI/1.0\"")]
    [InlineData("foo")]
    [InlineData("")]
    [InlineData(" , ")]
    public void TryParse_NoCacheDirectiveForThisCache_FalseSoCacheControlRules(string value)
    {
        Assert.False(SurrogateControl.TryParse(value, Token, out _));
    }

    [Theory]
    [InlineData("max-age=")]
    [InlineData("max-age=abc")]
    [InlineData("max-age=\"60\"")]
    [InlineData("max-age=-5")]
    [InlineData("max-age=60+")]
    [InlineData("max-age=+60")]
    [InlineData("max-age=60;")]
    [InlineData("max-age=60;a b")]
    [InlineData("stale-if-error=x, max-age=60")]
    [InlineData("content=\"unterminated, max-age=60")]
    [InlineData("=60")]
    [InlineData("max-age=60;other, no-store=yes;other")]
    [InlineData("content=\"no-store, max-age=60")]
    public void TryParse_Malformed_FalseSoCacheControlRules(string value)
    {
        Assert.False(SurrogateControl.TryParse(value, Token, out _));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("no-store-remote")]
    [InlineData("NO-STORE;httpcaching")]
    [InlineData("max-age=3600, no-store")]
    [InlineData("max-age=3600;httpcaching, no-store")]
    public void TryParse_NoStoreForThisCache_NoStore(string value)
    {
        Assert.True(SurrogateControl.TryParse(value, Token, out var directives));

        Assert.True(directives.Has(CacheControlFlags.NoStore));
    }

    [Theory]
    [InlineData("no-store, max-age=60+", true)]
    [InlineData("no-store=1", true)]
    [InlineData("max-age=60 no-store", true)]
    [InlineData("max-age=abc, no-store;httpcaching", true)]
    [InlineData("max-age=abc, NO-CACHE", false)]
    [InlineData("max-age==1, no-store-remote", true)]
    [InlineData("no-store;other=1", true)]
    public void TryParse_MalformedWithARestrictionForThisCache_KeepsTheRestrictionAlone_NotTargeted(string value, bool noStore)
    {
        var expected = noStore ? CacheControlFlags.NoStore : CacheControlFlags.NoCache;
        Assert.True(SurrogateControl.TryParse(value, Token, out var directives));

        Assert.False(directives.Targeted);
        Assert.Equal(expected, directives.Flags);
        Assert.Equal(CacheControl.Absent, directives.MaxAge);
    }

    [Theory]
    [InlineData("no-store ; httpcaching")]
    [InlineData("no-store;\thttpcaching")]
    public void TryParse_WhiteSpaceAroundTheTarget_StillTargeted(string value)
    {
        Assert.True(SurrogateControl.TryParse(value, Token, out var directives));

        Assert.True(directives.Has(CacheControlFlags.NoStore));
    }

    [Theory]
    [InlineData("max-age=60+3600, max-age=10;httpcaching", 10, CacheControl.Absent)]
    [InlineData("max-age=60+3600, max-age=10+5;httpcaching", 10, 5)]
    [InlineData("max-age=60+3600, stale-if-error=20, max-age=10;httpcaching", 10, 20)]
    [InlineData("stale-if-error=20, max-age=60+3600", 60, 20)]
    [InlineData("max-age=60+3600, stale-if-error=20;httpcaching", 60, 20)]
    [InlineData("max-age=60+3600", 60, 3600)]
    [InlineData("stale-if-error=20, max-age=10+5;httpcaching", 10, 5)]
    public void TryParse_StaleExtensionOfMaxAge_BelongsToThatMaxAge(string value, long maxAge, long staleIfError)
    {
        Assert.True(SurrogateControl.TryParse(value, Token, out var directives));

        Assert.Equal(maxAge, directives.MaxAge);
        Assert.Equal(staleIfError, directives.StaleIfError);
    }

    [Fact]
    public void TryParse_TargetedAndUntargetedMaxAge_TheTargetedOneWins()
    {
        Assert.True(SurrogateControl.TryParse("max-age=5, max-age=300;httpcaching, max-age=9;other", Token, out var directives));

        Assert.Equal(300, directives.MaxAge);
    }

    [Fact]
    public void TryParse_DirectiveForAnotherCache_Ignored()
    {
        Assert.True(SurrogateControl.TryParse("max-age=60, no-store;other, max-age=1;other", Token, out var directives));

        Assert.Equal(60, directives.MaxAge);
        Assert.False(directives.Has(CacheControlFlags.NoStore));
    }

    [Fact]
    public void TryParse_OtherCacheDirectives_Read()
    {
        Assert.True(SurrogateControl.TryParse("max-age=60, stale-while-revalidate=30, stale-if-error=90, must-revalidate, proxy-revalidate, no-cache", Token, out var directives));

        Assert.Equal(30, directives.StaleWhileRevalidate);
        Assert.Equal(90, directives.StaleIfError);
        Assert.True(directives.Has(CacheControlFlags.MustRevalidate));
        Assert.True(directives.Has(CacheControlFlags.ProxyRevalidate));
        Assert.True(directives.Has(CacheControlFlags.NoCache));
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    [InlineData("s-maxage=60")]
    [InlineData("immutable")]
    public void TryParse_CacheControlOnlyDirective_MeansNothingHere(string value)
    {
        Assert.True(SurrogateControl.TryParse(value + ", max-age=60", Token, out var directives));

        Assert.Equal(CacheControlFlags.None, directives.Flags);
        Assert.Equal(CacheControl.Absent, directives.SharedMaxAge);
    }

    [Fact]
    public void TryParse_DeviceTokenOfTheOptions_TargetsThatToken()
    {
        Assert.True(SurrogateControl.TryParse("max-age=60;edge-eu", "edge-eu", out var directives));
        Assert.False(SurrogateControl.TryParse("max-age=60;edge-eu", Token, out _));

        Assert.Equal(60, directives.MaxAge);
    }

    [Fact]
    public void Of_SurrogateControlListed_ReadByItsOwnSyntax()
    {
        var options = new ThirdPartyCachingOptions { SurrogateDeviceToken = "edge" };
        options.TargetedCacheControlFields.Add("surrogate-control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "no-store");
        response.Headers.TryAddWithoutValidation("Surrogate-Control", "max-age=120;edge");

        var directives = TargetedCacheControl.Of(response.Headers, options);
        var stored = TargetedCacheControl.OfStored([new("Surrogate-Control", ["MAX-AGE=7"])], options);

        Assert.True(directives.Targeted);
        Assert.Equal(120, directives.MaxAge);
        Assert.False(directives.Has(CacheControlFlags.NoStore));
        Assert.Equal(7, stored?.MaxAge);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("private, no-store")]
    public void Of_SurrogateControlRules_CacheControlPrivateStillApplies(string cacheControl)
    {
        var options = new ThirdPartyCachingOptions();
        options.TargetedCacheControlFields.Add("Surrogate-Control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        response.Headers.TryAddWithoutValidation("Surrogate-Control", "max-age=300");

        var directives = TargetedCacheControl.Of(response.Headers, options);
        var stored = TargetedCacheControl.OfStored([new("Cache-Control", [cacheControl]), new("Surrogate-Control", ["max-age=300"])], options);

        Assert.True(directives.Has(CacheControlFlags.Private));
        Assert.False(directives.Has(CacheControlFlags.NoStore));
        Assert.True(stored?.Has(CacheControlFlags.Private));
        Assert.Equal(300, directives.MaxAge);
    }

    [Theory]
    [InlineData("no-store", "no-cache, max-age=60s", true, true)]
    [InlineData("max-age=600", "no-cache, max-age=60s", false, true)]
    [InlineData("no-store", "max-age==1", true, false)]
    public void Of_MalformedSurrogateControl_CacheControlRulesWithTheFieldsRestrictionsAdded(string cacheControl, string surrogate, bool noStore, bool noCache)
    {
        var options = new ThirdPartyCachingOptions();
        options.TargetedCacheControlFields.Add("Surrogate-Control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        response.Headers.TryAddWithoutValidation("Surrogate-Control", surrogate);

        var directives = TargetedCacheControl.Of(response.Headers, options);
        var stored = CachePolicy.StoredDirectives([new("Cache-Control", [cacheControl]), new("Surrogate-Control", [surrogate])], options);

        Assert.False(directives.Targeted);
        Assert.Equal(noStore, directives.Has(CacheControlFlags.NoStore));
        Assert.Equal(noCache, directives.Has(CacheControlFlags.NoCache));
        Assert.Equal(noStore, stored.Has(CacheControlFlags.NoStore));
        Assert.Equal(noCache, stored.Has(CacheControlFlags.NoCache));
    }

    [Fact]
    public void Of_CdnCacheControlRules_CacheControlPrivateReplaced()
    {
        var options = new ThirdPartyCachingOptions();
        options.TargetedCacheControlFields.Add("CDN-Cache-Control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "private");
        response.Headers.TryAddWithoutValidation("CDN-Cache-Control", "max-age=300");

        Assert.False(TargetedCacheControl.Of(response.Headers, options).Has(CacheControlFlags.Private));
    }

    [Fact]
    public void Of_SurrogateControlWithNothingForThisCache_CacheControlRules()
    {
        var options = new ThirdPartyCachingOptions();
        options.TargetedCacheControlFields.Add("Surrogate-Control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=10");
        response.Headers.TryAddWithoutValidation("Surrogate-Control", "max-age=3600;other");

        var directives = TargetedCacheControl.Of(response.Headers, options);

        Assert.False(directives.Targeted);
        Assert.Equal(10, directives.MaxAge);
    }

    [Fact]
    public void Of_SurrogateControlNotListed_Ignored()
    {
        var options = new ThirdPartyCachingOptions();
        options.TargetedCacheControlFields.Add("CDN-Cache-Control");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=10");
        response.Headers.TryAddWithoutValidation("Surrogate-Control", "no-store");

        Assert.Equal(10, TargetedCacheControl.Of(response.Headers, options).MaxAge);
    }
}
