using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HttpCaching.Internal;

/// <summary>
/// What a <see cref="GuardedStore"/>'s calls say about its store at one moment (<paramref name="Now"/>), and the
/// health that follows from it:
/// <list type="bullet">
/// <item><see cref="HealthStatus.Unhealthy"/>: no call has succeeded for <see cref="UnhealthyAfter"/> or longer; every
/// call since the first failure failed or timed out (with traffic, the breaker opened again and again).</item>
/// <item><see cref="HealthStatus.Degraded"/>: the breaker is open, writes are suspended, the last call failed, or a
/// call failed or timed out within <see cref="RecentWindow"/>.</item>
/// <item><see cref="HealthStatus.Healthy"/>: otherwise, including a store no call has been made to yet.</item>
/// </list>
/// </summary>
internal readonly record struct StoreHealth(
    DateTimeOffset Now,
    int ConsecutiveFailures,
    DateTimeOffset? FailingSince,
    DateTimeOffset? LastFailure,
    bool LastFailureTimedOut,
    DateTimeOffset? OpenUntil,
    int BreakerOpenings,
    DateTimeOffset? WritesSuspendedUntil = null,
    int UnfinishedWrites = 0)
{
    /// <summary>How long after a failure the store still counts as degraded: the interval of the rate-limited warnings.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a store may fail every call before it counts as unhealthy: long enough that a restart or a fail-over
    /// of the store only degrades, short enough to show within one health check period (30 s by default).
    /// </summary>
    public static readonly TimeSpan UnhealthyAfter = TimeSpan.FromSeconds(30);

    public bool BreakerOpen => OpenUntil > Now;

    /// <summary>Whether writes are suspended (the store refused them again and again) while reads go on.</summary>
    public bool WritesSuspended => WritesSuspendedUntil > Now;

    /// <summary>Whether the last call failed: only a call that succeeds ends it.</summary>
    public bool Failing => FailingSince is not null;

    public HealthStatus Status =>
        FailingSince is { } since && Now - since >= UnhealthyAfter ? HealthStatus.Unhealthy
        : BreakerOpen || WritesSuspended || Failing || (LastFailure is { } last && Now - last < RecentWindow) ? HealthStatus.Degraded
        : HealthStatus.Healthy;

    /// <summary>
    /// What the status rests on, in a few words, with no key, URL or exception message; and how many writes that did
    /// not answer in time have not ended yet (<see cref="UnfinishedWrites"/>), when there are any.
    /// </summary>
    public string Describe() => UnfinishedWrites == 0
        ? DescribeCalls()
        : DescribeCalls() + string.Create(CultureInfo.InvariantCulture, $"; {UnfinishedWrites} write(s) given up on have not ended yet");

    private string DescribeCalls()
    {
        var failure = LastFailureTimedOut ? "timed out" : "failed";
        if (FailingSince is { } since)
        {
            var text = string.Create(
                CultureInfo.InvariantCulture,
                $"no store call has succeeded for {Seconds(Now - since)} s: {ConsecutiveFailures} in a row failed or timed out (the last {failure})");
            if (BreakerOpenings > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $", the breaker opened {BreakerOpenings} time(s)");
            }

            return BreakerOpen
                ? text + string.Create(CultureInfo.InvariantCulture, $" and is open for {Seconds(OpenUntil!.Value - Now)} s more")
                : text;
        }

        if (WritesSuspended)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the store refuses writes (is it full, or read-only?): writes are suspended for {Seconds(WritesSuspendedUntil!.Value - Now)} s more, reads go on");
        }

        return LastFailure is { } last && Now - last < RecentWindow
            ? string.Create(CultureInfo.InvariantCulture, $"the store answers again; a call {failure} {Seconds(Now - last)} s ago")
            : "no store call failed in the last minute";
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
