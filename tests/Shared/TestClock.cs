namespace HttpCaching.Testing;

/// <summary>Where the tests' fake clocks start.</summary>
/// <remarks>
/// Every <c>FakeTimeProvider</c> (Microsoft.Extensions.TimeProvider.Testing) in the tests is created with
/// <see cref="Start"/> unless a test needs another instant, and keeps the package's default
/// <c>AutoAdvanceAmount</c> of zero: the clock moves only when a test calls <c>Advance</c> or <c>SetUtcNow</c>, and
/// timers that come due fire inside that call.
/// </remarks>
public static class TestClock
{
    /// <summary>2026-01-05 09:00 UTC, a Monday.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
}
