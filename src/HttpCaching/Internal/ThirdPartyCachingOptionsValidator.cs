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

    /// <summary>The longest duration any setting takes (but <see cref="ThirdPartyCachingOptions.StoreTimeout"/>): 365 days.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);

    /// <summary>The longest finite <see cref="ThirdPartyCachingOptions.StoreTimeout"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxStoreTimeout = TimeSpan.FromHours(1);

    /// <summary>The largest <see cref="ThirdPartyCachingOptions.NearCacheSizeLimit"/>: 1 TiB.</summary>
    public const long MaxNearCacheSizeLimit = 1L << 40;

    public ValidateOptionsResult Validate(string? name, ThirdPartyCachingOptions options)
    {
        if (name is null || !registry.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var path = ConfigurationSections.ClientPath(name);
        var builder = new ValidateOptionsResultBuilder();
        void Fail(string key, string problem) => builder.AddError($"Client '{name}': {path}:{key} {problem}");

        void Duration(string key, TimeSpan value)
        {
            if (value < TimeSpan.Zero)
            {
                Fail(key, $"must not be negative (it is {value}).");
            }
            else if (value > MaxDuration)
            {
                Fail(key, $"must be at most {MaxDuration} (365 days) (it is {value}).");
            }
        }

        Duration(nameof(options.MinimumFreshness), options.MinimumFreshness);
        Duration(nameof(options.StaleRetention), options.StaleRetention);
        Duration(nameof(options.MaxHeuristicFreshness), options.MaxHeuristicFreshness);
        Duration(nameof(options.StaleIfError), options.StaleIfError);
        Duration(nameof(options.OriginBackoff), options.OriginBackoff);
        Duration(nameof(options.StaleWhileRevalidate), options.StaleWhileRevalidate);
        Duration(nameof(options.NearCacheEntryDuration), options.NearCacheEntryDuration);

        if (options.OriginTimeout < TimeSpan.FromSeconds(1) || options.OriginTimeout > TimeSpan.FromHours(1))
        {
            Fail(nameof(options.OriginTimeout), $"must be between 00:00:01 and 01:00:00 (it is {options.OriginTimeout}).");
        }

        if (options.StoreTimeout <= TimeSpan.Zero && options.StoreTimeout != Timeout.InfiniteTimeSpan)
        {
            Fail(nameof(options.StoreTimeout), $"must be positive, or -00:00:00.001 for no limit (it is {options.StoreTimeout}).");
        }
        else if (options.StoreTimeout > MaxStoreTimeout)
        {
            Fail(nameof(options.StoreTimeout), $"must be at most {MaxStoreTimeout}, or -00:00:00.001 for no limit (it is {options.StoreTimeout}).");
        }

        if (options.NearCacheSizeLimit < 0)
        {
            Fail(nameof(options.NearCacheSizeLimit), $"must not be negative (it is {options.NearCacheSizeLimit}).");
        }
        else if (options.NearCacheSizeLimit > MaxNearCacheSizeLimit)
        {
            Fail(nameof(options.NearCacheSizeLimit), $"must be at most {MaxNearCacheSizeLimit} bytes (1 TiB) (it is {options.NearCacheSizeLimit}).");
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
