using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class RecentInvalidationsTests
{
    [Fact]
    public void Since_InvalidatedAfterTheFetchStarted_True()
    {
        var invalidations = new RecentInvalidations();
        var seen = invalidations.Current;

        invalidations.Note("hc:feeds:e:abc");

        Assert.True(invalidations.Since("hc:feeds:e:abc", seen));
    }

    [Fact]
    public void Since_InvalidatedBeforeTheFetchStarted_False()
    {
        var invalidations = new RecentInvalidations();
        invalidations.Note("hc:feeds:e:abc");

        var seen = invalidations.Current;

        Assert.False(invalidations.Since("hc:feeds:e:abc", seen));
    }

    [Fact]
    public void Note_AnOlderMarkNeverReplacesANewerOne()
    {
        var invalidations = new RecentInvalidations();
        invalidations.Note("hc:feeds:e:abc");
        var between = invalidations.Current;
        invalidations.Note("hc:feeds:e:abc");

        Assert.True(invalidations.Since("hc:feeds:e:abc", between));
        Assert.Equal(2, invalidations.Current);
    }

    [Fact]
    public void Since_NeverInvalidated_False()
    {
        var invalidations = new RecentInvalidations();
        Assert.False(invalidations.Since("hc:feeds:e:abc", invalidations.Current));
    }
}
