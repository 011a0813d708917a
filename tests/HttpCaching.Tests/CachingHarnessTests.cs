using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests;

/// <summary>The harness's clock is what every test assumes of it.</summary>
public sealed class CachingHarnessTests
{
    [Fact]
    public void Clock_Default_StartsAt20260105NineUtcAndMovesOnlyWhenAdvanced()
    {
        using var harness = new CachingHarness();

        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), harness.Time.GetUtcNow());
        Assert.Equal(TimeSpan.Zero, harness.Time.AutoAdvanceAmount);
        Assert.Equal(harness.Time.GetUtcNow(), harness.Time.GetUtcNow());
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TestClock.Start.AddSeconds(1), harness.Time.GetUtcNow());
    }

    [Fact]
    public void Clock_Timer_FiresInsideAdvanceWhenDueAndNotBefore()
    {
        using var harness = new CachingHarness();
        var fired = 0;
        using var timer = harness.Time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        harness.Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(0, fired);
        harness.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, fired);
    }
}
