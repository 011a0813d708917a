using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class SizeBoundTests
{
    [Fact]
    public void MayExceed_ChargesUpToTheLimit_False()
    {
        var bound = new SizeBound();

        Assert.False(bound.MayExceed(60, 100));
        Assert.False(bound.MayExceed(40, 100));
    }

    [Fact]
    public void MayExceed_ChargesPastTheLimit_True()
    {
        var bound = new SizeBound();
        bound.MayExceed(60, 100);

        Assert.True(bound.MayExceed(41, 100));
    }

    [Fact]
    public void MayExceed_AfterMeasured_CountsFromTheMeasuredSize()
    {
        var bound = new SizeBound();
        bound.MayExceed(90, 100);
        Assert.True(bound.MayExceed(20, 100));

        // Evictions freed room: the measured size replaces every charge counted before it.
        bound.Measured(30);

        Assert.False(bound.MayExceed(70, 100));
        Assert.True(bound.MayExceed(1, 100));
    }
}
