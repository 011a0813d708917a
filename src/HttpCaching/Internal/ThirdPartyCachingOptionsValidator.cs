using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Validates a client's options as a whole, at start-up and on every reload. Messages name the client and the
/// configuration key to fix.
/// </summary>
internal sealed class ThirdPartyCachingOptionsValidator(IServiceProvider services, ThirdPartyCachingRegistry registry)
    : IValidateOptions<ThirdPartyCachingOptions>
{
    /// <summary>The largest body that can be cached: a record is one array.</summary>
    public const long MaxBodySizeLimit = 1024L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, ThirdPartyCachingOptions options)
    {
        if (name is null || !registry.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var path = ConfigurationSections.ClientPath(name);
        var builder = new ValidateOptionsResultBuilder();
        void Fail(string key, string problem) => builder.AddError($"Client '{name}': {path}:{key} {problem}");

        if (options.MinimumFreshness < TimeSpan.Zero)
        {
            Fail(nameof(options.MinimumFreshness), $"must not be negative (it is {options.MinimumFreshness}).");
        }

        if (options.StaleRetention < TimeSpan.Zero)
        {
            Fail(nameof(options.StaleRetention), $"must not be negative (it is {options.StaleRetention}).");
        }

        if (options.MaxHeuristicFreshness < TimeSpan.Zero)
        {
            Fail(nameof(options.MaxHeuristicFreshness), $"must not be negative (it is {options.MaxHeuristicFreshness}).");
        }

        if (options.StaleIfError < TimeSpan.Zero)
        {
            Fail(nameof(options.StaleIfError), $"must not be negative (it is {options.StaleIfError}).");
        }

        if (options.OriginBackoff < TimeSpan.Zero)
        {
            Fail(nameof(options.OriginBackoff), $"must not be negative (it is {options.OriginBackoff}).");
        }

        if (options.StaleWhileRevalidate < TimeSpan.Zero)
        {
            Fail(nameof(options.StaleWhileRevalidate), $"must not be negative (it is {options.StaleWhileRevalidate}).");
        }

        if (options.OriginTimeout < TimeSpan.FromSeconds(1) || options.OriginTimeout > TimeSpan.FromHours(1))
        {
            Fail(nameof(options.OriginTimeout), $"must be between 00:00:01 and 01:00:00 (it is {options.OriginTimeout}).");
        }

        if (options.StoreTimeout <= TimeSpan.Zero && options.StoreTimeout != Timeout.InfiniteTimeSpan)
        {
            Fail(nameof(options.StoreTimeout), $"must be positive, or -00:00:00.001 for no limit (it is {options.StoreTimeout}).");
        }

        if (options.NearCacheSizeLimit < 0)
        {
            Fail(nameof(options.NearCacheSizeLimit), $"must not be negative (it is {options.NearCacheSizeLimit}).");
        }

        if (options.NearCacheEntryDuration < TimeSpan.Zero)
        {
            Fail(nameof(options.NearCacheEntryDuration), $"must not be negative (it is {options.NearCacheEntryDuration}).");
        }

        if (options.MaxBodySize is < 0 or > MaxBodySizeLimit)
        {
            Fail(nameof(options.MaxBodySize), $"must be between 0 and {MaxBodySizeLimit} bytes (it is {options.MaxBodySize}).");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            Fail(nameof(options.KeyPrefix), "must not be empty.");
        }

        if (options.StoreServiceKey is { } key
            && services.GetService<IServiceProviderIsKeyedService>() is { } keyed
            && !keyed.IsKeyedService(typeof(IDistributedCache), key))
        {
            Fail(nameof(options.StoreServiceKey), $"is '{key}', but no keyed IDistributedCache is registered under that key (services.AddKeyedSingleton<IDistributedCache>(\"{key}\", …)).");
        }

        return builder.Build();
    }
}
