using HttpCaching;
using HttpCaching.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of the HttpCaching stores to <see cref="IHealthChecksBuilder"/>.</summary>
public static class HttpCachingHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the store of every client that has the caching handler (<c>AddThirdPartyCaching</c>). Each
    /// client is reported in the result's <see cref="HealthCheckResult.Data"/> under its name, as <c>Healthy</c>,
    /// <c>Degraded</c> (the store's breaker is open, its last call failed, or a call failed or timed out in the last
    /// minute), <c>Unhealthy</c> (no call to the store has succeeded for 30 seconds or more) or <c>Disabled</c> (the
    /// client's caching is turned off); the result is the worst of them, and its description says what each status
    /// rests on. Requests are served whatever the check says: a store outage costs hits, not responses.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; <see langword="null"/> for <see cref="HttpCachingDiagnostics.HealthCheckName"/> (<c>httpcaching</c>).</param>
    /// <param name="failureStatus">
    /// What the check reports when a store is unhealthy; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.
    /// It is also the worst the check reports: with <see cref="HealthStatus.Degraded"/>, an outage never makes the
    /// application unhealthy.
    /// </param>
    /// <param name="tags">Tags to filter the check by (for example a readiness endpoint's); <see langword="null"/> for none.</param>
    /// <param name="timeout">How long the check may take; <see langword="null"/> for the health check service's default.</param>
    /// <returns>The value of <paramref name="builder"/>.</returns>
    /// <remarks>
    /// The check reads what the library already tracks for each store, and never writes. Only when the last call to a
    /// store failed and its breaker is closed does it read the store once (a key no response is stored under,
    /// <c>{KeyPrefix}{client}:health</c>, bounded by the client's <see cref="ThirdPartyCachingOptions.StoreTimeout"/>),
    /// so that a store that came back is reported healthy again even when no request uses it. Such a read counts in
    /// <see cref="HttpCachingDiagnostics.StoreErrorsInstrument"/> and the store warnings like a request's.
    /// </remarks>
    public static IHealthChecksBuilder AddHttpCaching(
        this IHealthChecksBuilder builder,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? HttpCachingDiagnostics.HealthCheckName,
            static services => new HttpCachingHealthCheck(services),
            failureStatus,
            tags,
            timeout));
    }
}
