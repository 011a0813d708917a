using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// The reuse decision at its boundaries: freshness and the floor (RFC 9111 §4.2), the request directives (§5.2.1), the
/// response directives that forbid stale reuse (§5.2.2), and the RFC 5861 windows.
/// </summary>
public sealed class FreshnessRuleTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly CacheControl NoDirectives = CacheControl.Parse(string.Empty);

    [Theory]
    [InlineData(59, true)]
    [InlineData(60, false)]
    [InlineData(61, false)]
    public void Evaluate_OwnLifetime_FreshWhileAgeIsBelowIt(int ageSeconds, bool usable)
    {
        var reuse = Freshness.Evaluate(Entry(Minute), TimeSpan.FromSeconds(ageSeconds), Options(), NoDirectives);
        Assert.Equal(usable, reuse.Usable);
        Assert.False(reuse.Stale);
        Assert.False(reuse.ByFloor);
        Assert.Equal(Minute - TimeSpan.FromSeconds(ageSeconds), reuse.TimeToLive);
        Assert.Equal(usable ? string.Empty : CacheStatus.FwdStale, reuse.ForwardReason);
    }

    [Theory]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(119, true)]
    public void Evaluate_Floor_FreshBeyondOwnLifetimeAndSaysSo(int ageSeconds, bool byFloor)
    {
        var reuse = Freshness.Evaluate(Entry(Minute), TimeSpan.FromSeconds(ageSeconds), Options(floor: 2 * Minute), NoDirectives);
        Assert.True(reuse.Usable);
        Assert.Equal(byFloor, reuse.ByFloor);
        Assert.Equal(2 * Minute - TimeSpan.FromSeconds(ageSeconds), reuse.TimeToLive);
    }

    [Fact]
    public void Evaluate_FloorPassed_Stale()
    {
        var reuse = Freshness.Evaluate(Entry(Minute), 2 * Minute, Options(floor: 2 * Minute), NoDirectives);
        Assert.False(reuse.Usable);
        Assert.False(reuse.ByFloor);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Floor_OriginErrors_None(int status)
    {
        Assert.Equal(TimeSpan.Zero, Freshness.Floor(Entry(Minute, status: status), Options(floor: 2 * Minute)));
        Assert.True(Freshness.IsOriginError(status));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(501)]
    [InlineData(505)]
    [InlineData(428)]
    public void Floor_OtherStatuses_TheConfiguredOne(int status)
    {
        Assert.Equal(2 * Minute, Freshness.Floor(Entry(Minute, status: status), Options(floor: 2 * Minute)));
        Assert.False(Freshness.IsOriginError(status));
    }

    [Fact]
    public void Floor_CredentialedRequest_None() =>
        Assert.Equal(TimeSpan.Zero, Freshness.Floor(Entry(Minute, flags: CacheControlFlags.CredentialedRequest), Options(floor: 2 * Minute)));

    [Fact]
    public void EffectiveLifetime_OwnAboveFloor_Own() =>
        Assert.Equal(3 * Minute, Freshness.EffectiveLifetime(Entry(3 * Minute), Options(floor: 2 * Minute)));

    [Fact]
    public void EffectiveLifetime_MarkedStale_Zero() =>
        Assert.Equal(TimeSpan.Zero, Freshness.EffectiveLifetime(Entry(3 * Minute, flags: CacheControlFlags.MarkedStale), Options(floor: 2 * Minute)));

    [Fact]
    public void Evaluate_StoredNoCache_AlwaysForwardedEvenWithinFloorAndMaxStale()
    {
        var request = CacheControl.Parse("max-stale");
        var reuse = Freshness.Evaluate(Entry(Minute, flags: CacheControlFlags.NoCache), TimeSpan.Zero, Options(floor: 2 * Minute), request);
        Assert.False(reuse.Usable);
        Assert.Equal(CacheStatus.FwdStale, reuse.ForwardReason);
    }

    [Theory]
    [InlineData("no-cache", 0, false)]
    [InlineData("max-age=10", 10, true)]
    [InlineData("max-age=10", 11, false)]
    [InlineData("max-age=0", 0, true)]
    [InlineData("max-age=0", 1, false)]
    [InlineData("min-fresh=50", 10, true)]
    [InlineData("min-fresh=50", 11, false)]
    [InlineData("min-fresh=0", 59, true)]
    public void Evaluate_RequestDirectives_ForwardAsRequested(string directives, int ageSeconds, bool usable)
    {
        var reuse = Freshness.Evaluate(Entry(Minute), TimeSpan.FromSeconds(ageSeconds), Options(), CacheControl.Parse(directives));
        Assert.Equal(usable, reuse.Usable);
        Assert.Equal(usable ? string.Empty : CacheStatus.FwdRequest, reuse.ForwardReason);
    }

    [Theory]
    [InlineData("max-stale=30", 90, true)]
    [InlineData("max-stale=30", 91, false)]
    [InlineData("max-stale=0", 60, true)]
    [InlineData("max-stale=0", 61, false)]
    [InlineData("max-stale", 100_000, true)]
    [InlineData("max-stale=abc", 61, false)]
    [InlineData("", 61, false)]
    public void Evaluate_MaxStale_StaleServedWithinIt(string directives, int ageSeconds, bool usable)
    {
        var reuse = Freshness.Evaluate(Entry(Minute), TimeSpan.FromSeconds(ageSeconds), Options(), CacheControl.Parse(directives));
        Assert.Equal(usable, reuse.Usable);
        Assert.Equal(usable, reuse.Stale);
        Assert.False(reuse.ByFloor);
    }

    [Theory]
    [InlineData("must-revalidate", true, false)]
    [InlineData("must-revalidate", false, false)]
    [InlineData("proxy-revalidate", true, false)]
    [InlineData("proxy-revalidate", false, true)]
    [InlineData("no-cache", false, false)]
    [InlineData("public", true, true)]
    [InlineData("", true, true)]
    public void MayServeStale_ResponseDirectives(string directives, bool shared, bool expected)
    {
        var entry = Entry(Minute, flags: CacheControl.Parse(directives).Flags);
        Assert.Equal(expected, Freshness.MayServeStale(entry, shared));
        Assert.Equal(expected, Freshness.Evaluate(entry, 2 * Minute, Options(shared: shared), CacheControl.Parse("max-stale")).Usable);
        Assert.Equal(expected, Freshness.WithinStaleIfError(entry, Minute, Options(shared: shared)));
        Assert.Equal(expected, Freshness.WithinStaleWhileRevalidate(entry, Minute, Options(shared: shared, staleWhileRevalidate: 2 * Minute)));
    }

    [Fact]
    public void WithinStaleIfError_ConfiguredWindow_InclusiveBoundary()
    {
        var options = Options(staleIfError: Minute);
        var entry = Entry(Minute);
        Assert.True(Freshness.WithinStaleIfError(entry, -Minute, options));
        Assert.True(Freshness.WithinStaleIfError(entry, TimeSpan.Zero, options));
        Assert.True(Freshness.WithinStaleIfError(entry, Minute, options));
        Assert.False(Freshness.WithinStaleIfError(entry, Minute + Tick, options));
    }

    [Fact]
    public void WithinStaleIfError_OwnDirectiveReplacesConfiguredWindow()
    {
        var options = Options(staleIfError: TimeSpan.FromDays(1));
        Assert.True(Freshness.WithinStaleIfError(Entry(Minute, staleIfError: 30), TimeSpan.FromSeconds(30), options));
        Assert.False(Freshness.WithinStaleIfError(Entry(Minute, staleIfError: 30), TimeSpan.FromSeconds(31), options));
        Assert.False(Freshness.WithinStaleIfError(Entry(Minute, staleIfError: 0), Tick, options));
        Assert.True(Freshness.WithinStaleIfError(Entry(Minute, staleIfError: 0), TimeSpan.Zero, options));
    }

    [Fact]
    public void WithinStaleWhileRevalidate_OnlyOnceStale_InclusiveUpperBoundary()
    {
        var options = Options(staleWhileRevalidate: Minute);
        var entry = Entry(Minute);
        Assert.False(Freshness.WithinStaleWhileRevalidate(entry, TimeSpan.Zero, options));
        Assert.False(Freshness.WithinStaleWhileRevalidate(entry, -Tick, options));
        Assert.True(Freshness.WithinStaleWhileRevalidate(entry, Tick, options));
        Assert.True(Freshness.WithinStaleWhileRevalidate(entry, Minute, options));
        Assert.False(Freshness.WithinStaleWhileRevalidate(entry, Minute + Tick, options));
    }

    [Fact]
    public void WithinStaleWhileRevalidate_OwnDirectiveReplacesConfiguredWindow()
    {
        var options = Options(staleWhileRevalidate: TimeSpan.Zero);
        Assert.True(Freshness.WithinStaleWhileRevalidate(Entry(Minute, staleWhileRevalidate: 30), TimeSpan.FromSeconds(30), options));
        Assert.False(Freshness.WithinStaleWhileRevalidate(Entry(Minute, staleWhileRevalidate: 30), TimeSpan.FromSeconds(31), options));
        Assert.False(Freshness.WithinStaleWhileRevalidate(Entry(Minute), Tick, options));
    }

    [Theory]
    [InlineData(-1, -1, 60)]
    [InlineData(120, -1, 120)]
    [InlineData(-1, 180, 180)]
    [InlineData(120, 180, 180)]
    [InlineData(180, 120, 180)]
    [InlineData(10, 20, 60)]
    public void LongestStaleWindow_LongestOfRetentionAndBothWindows(long staleIfError, long staleWhileRevalidate, int expectedSeconds)
    {
        var options = Options(staleIfError: TimeSpan.FromSeconds(5), staleWhileRevalidate: TimeSpan.FromSeconds(5));
        options.StaleRetention = Minute;
        var entry = Entry(Minute, staleIfError: staleIfError, staleWhileRevalidate: staleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Freshness.LongestStaleWindow(entry, options));
    }

    [Fact]
    public void LongestStaleWindow_ConfiguredWindowsLongerThanRetention_Count()
    {
        var options = Options(staleIfError: 2 * Minute, staleWhileRevalidate: 3 * Minute);
        options.StaleRetention = Minute;
        Assert.Equal(3 * Minute, Freshness.LongestStaleWindow(Entry(Minute), options));
        options.StaleWhileRevalidate = TimeSpan.Zero;
        Assert.Equal(2 * Minute, Freshness.LongestStaleWindow(Entry(Minute), options));
    }

    private static ThirdPartyCachingOptions Options(TimeSpan? floor = null, bool shared = true, TimeSpan? staleIfError = null, TimeSpan? staleWhileRevalidate = null) => new()
    {
        MinimumFreshness = floor ?? TimeSpan.Zero,
        Shared = shared,
        StaleIfError = staleIfError ?? TimeSpan.FromDays(1),
        StaleWhileRevalidate = staleWhileRevalidate ?? TimeSpan.Zero,
    };

    private static CacheEntry Entry(TimeSpan lifetime, int status = 200, CacheControlFlags flags = CacheControlFlags.None, long staleIfError = CacheControl.Absent, long staleWhileRevalidate = CacheControl.Absent) => new()
    {
        StatusCode = status,
        HttpVersion = new Version(1, 1),
        ResponseTime = ProtocolFixtures.Received,
        CorrectedInitialAge = TimeSpan.Zero,
        FreshnessLifetime = lifetime,
        Flags = flags,
        StaleIfError = staleIfError,
        StaleWhileRevalidate = staleWhileRevalidate,
        VersionId = "v",
        BodyLength = 0,
        BodyChecksum = 0,
        Headers = [],
        ContentHeaders = [],
    };
}
