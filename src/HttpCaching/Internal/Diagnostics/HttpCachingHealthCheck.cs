using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Reports the store of each caching client from what its <see cref="GuardedStore"/> saw of the requests' calls (see
/// <see cref="StoreHealth"/>). It writes nothing, and reads the store itself only when the last call to it failed and
/// the breaker is closed, so that a store that came back is seen even with no traffic: one read of a key no response
/// is ever stored under (<c>{KeyPrefix}{client}:health</c>), bounded by the client's store timeout, once per store and
/// check. It never throws: whatever goes wrong is reported as the registration's failure status.
/// </summary>
internal sealed class HttpCachingHealthCheck(IServiceProvider services) : IHealthCheck
{
    /// <summary>What a client's entry in the result's data says when its handler is off and so uses no store.</summary>
    public const string Disabled = "Disabled";

    /// <summary>The store key the check reads, for a client: no record is ever stored under it.</summary>
    public static string ProbeKey(string keyPrefix, string clientName) => string.Concat(keyPrefix, clientName, ":health");

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        try
        {
            return await CheckAsync(failureStatus, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return new HealthCheckResult(failureStatus, string.Concat("The HttpCaching health check failed: ", ex.GetType().FullName), ex);
        }
    }

    private async Task<HealthCheckResult> CheckAsync(HealthStatus failureStatus, CancellationToken cancellationToken)
    {
        var names = services.GetService<ThirdPartyCachingRegistry>()?.Names() ?? [];
        if (names.Length == 0)
        {
            return HealthCheckResult.Healthy("No HttpClient has the caching handler.");
        }

        var monitor = services.GetRequiredService<IOptionsMonitor<ThirdPartyCachingOptions>>();
        var caches = services.GetRequiredService<ClientCaches>();
        var stores = services.GetRequiredService<CacheStoreProvider>();
        Array.Sort(names, StringComparer.Ordinal);

        // Each client's store, or why it has none; then one probe per store that needs one.
        var clients = new (string Name, ThirdPartyCachingOptions? Options, GuardedStore? Store, string? Problem)[names.Length];
        var probes = new Dictionary<GuardedStore, Task>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            var options = OptionsOf(monitor, caches, name);
            if (options is not { Enabled: true })
            {
                clients[i] = (name, null, null, null);
                continue;
            }

            GuardedStore store;
            try
            {
                store = stores.Get(options.StoreServiceKey);
            }
            catch (Exception ex)
            {
                clients[i] = (name, options, null, string.Concat("the store cannot be resolved: ", ex.GetType().FullName));
                continue;
            }

            clients[i] = (name, options, store, null);
            if (!probes.ContainsKey(store) && store.Health() is { Failing: true, BreakerOpen: false })
            {
                probes[store] = ProbeAsync(store, options, name, cancellationToken);
            }
        }

        await Task.WhenAll(probes.Values).ConfigureAwait(false);

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var worst = HealthStatus.Healthy;
        var problems = new List<string>();
        foreach (var (name, options, store, problem) in clients)
        {
            HealthStatus status;
            if (options is null)
            {
                data[name] = Disabled;
                continue;
            }

            if (store is null)
            {
                status = HealthStatus.Unhealthy;
                problems.Add(string.Concat(name, ": ", problem));
            }
            else
            {
                var health = store.Health();
                status = health.Status;
                if (status != HealthStatus.Healthy)
                {
                    problems.Add(string.Concat(name, ": ", health.Describe()));
                }
            }

            data[name] = status.ToString();
            worst = status < worst ? status : worst;
        }

        var description = problems.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"The stores of the {names.Length} caching client(s) answer.")
            : string.Join("; ", problems) + ".";

        // The registration's failure status is the worst this check reports: Unhealthy becomes it, and so does
        // Degraded when it is milder still.
        var reported = worst switch
        {
            HealthStatus.Unhealthy => failureStatus,
            HealthStatus.Degraded => failureStatus > HealthStatus.Degraded ? failureStatus : HealthStatus.Degraded,
            _ => HealthStatus.Healthy,
        };
        return new HealthCheckResult(reported, description, data: data);
    }

    /// <summary>The options the handler uses now: the current ones, or the last valid ones after an invalid reload.</summary>
    private static ThirdPartyCachingOptions? OptionsOf(IOptionsMonitor<ThirdPartyCachingOptions> monitor, ClientCaches caches, string name)
    {
        try
        {
            return monitor.Get(name);
        }
        catch (OptionsValidationException)
        {
            return caches.For(name).LastValidOptions;
        }
    }

    /// <summary>
    /// One read of the client's probe key through the guard, which records its outcome as it records a request's:
    /// a success ends the failure (and closes the breaker), a failure counts as one.
    /// </summary>
    private static async Task ProbeAsync(GuardedStore store, ThirdPartyCachingOptions options, string clientName, CancellationToken cancellationToken)
    {
        try
        {
            await store.TryGetAsync(ProbeKey(options.KeyPrefix, clientName), clientName, options.StoreTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The check was given up: it reports what the requests saw.
        }
    }
}
