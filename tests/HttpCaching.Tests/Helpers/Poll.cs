using System.Diagnostics;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// Bounded polling for a condition that work on another thread makes true (a background revalidation's write), for
/// tests that have nothing to await. It never waits for time to pass for its own sake: it checks, yields, checks again.
/// </summary>
public static class Poll
{
    /// <summary>How long a condition may take before the test fails: far beyond what any of them needs.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Completes once <paramref name="condition"/> holds; fails the test, naming <paramref name="what"/>, after <see cref="Limit"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Limit, $"Not seen within {Limit}: {what}.");
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
