using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Validates a client's options as a whole, at start-up and on every reload: the rules of the source-generated
/// <see cref="ThirdPartyCachingOptionsValidator"/>, then those no attribute can state. Messages name the client and
/// the configuration key to fix.
/// </summary>
internal sealed class ThirdPartyCachingOptionsCustomValidator(IServiceProvider services, ThirdPartyCachingRegistry registry)
    : IValidateOptions<ThirdPartyCachingOptions>
{
    /// <summary>The longest finite <see cref="ThirdPartyCachingOptions.StoreTimeout"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxStoreTimeout = TimeSpan.FromHours(1);

    private static readonly ThirdPartyCachingOptionsValidator Declared = new();

    public ValidateOptionsResult Validate(string? name, ThirdPartyCachingOptions options)
    {
        if (name is null || !registry.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var path = registry.ConfigurationPath(name);
        var builder = new ValidateOptionsResultBuilder();
        foreach (var failure in ValidationMessages.NameKeys(Declared.Validate(null, options), nameof(ThirdPartyCachingOptions), path))
        {
            builder.AddError($"Client '{name}': {failure}");
        }

        void Fail(string key, string problem) => builder.AddError($"Client '{name}': {path}:{key} {problem}");

        // Timeout.InfiniteTimeSpan is a negative sentinel, which a range cannot allow.
        if (options.StoreTimeout <= TimeSpan.Zero && options.StoreTimeout != Timeout.InfiniteTimeSpan)
        {
            Fail(nameof(options.StoreTimeout), $"must be positive, or -00:00:00.001 for no limit (it is {options.StoreTimeout}).");
        }
        else if (options.StoreTimeout > MaxStoreTimeout)
        {
            Fail(nameof(options.StoreTimeout), $"must be at most {MaxStoreTimeout}, or -00:00:00.001 for no limit (it is {options.StoreTimeout}).");
        }

        if (options.StoreServiceKey is { } key
            && services.GetService<IServiceProviderIsKeyedService>() is { } keyed
            && !keyed.IsKeyedService(typeof(IDistributedCache), key))
        {
            Fail(nameof(options.StoreServiceKey), $"is '{key}', but no keyed IDistributedCache is registered under that key (services.AddKeyedSingleton<IDistributedCache>(\"{key}\", …)).");
        }

        var targets = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.TargetedCacheControlFields.Count; i++)
        {
            var field = options.TargetedCacheControlFields[i];
            var entry = $"{nameof(options.TargetedCacheControlFields)}:{i}";
            if (string.IsNullOrEmpty(field) || !IsToken(field))
            {
                Fail(entry, $"must be a header field name (it is '{field}').");
            }
            else if (field.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase) || field.Equals("Expires", StringComparison.OrdinalIgnoreCase) || field.Equals("Pragma", StringComparison.OrdinalIgnoreCase))
            {
                Fail(entry, $"must be a targeted field such as CDN-Cache-Control, not {field}, which the cache reads anyway.");
            }
            else if (!targets.Add(field))
            {
                Fail(entry, $"names {field} a second time.");
            }
        }

        if (string.IsNullOrEmpty(options.SurrogateDeviceToken) || !IsToken(options.SurrogateDeviceToken))
        {
            Fail(nameof(options.SurrogateDeviceToken), $"must be a token such as httpcaching: letters, digits and !#$%&'*+-.^_`|~ (it is '{options.SurrogateDeviceToken}').");
        }

        return builder.Build();
    }

    /// <summary>RFC 9110 §5.1: a field name is a token.</summary>
    private static bool IsToken(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
