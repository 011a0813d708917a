namespace HttpCaching.Internal;

/// <summary>The handler's shapes; the checker itself is <c>src/Shared/ConfigurationShape.cs</c>, linked into every package.</summary>
internal sealed partial class ConfigurationShape
{
    /// <summary>The settings of <see cref="ThirdPartyCachingOptions"/> that configuration can hold (not ValidateResponse, a delegate).</summary>
    public static ConfigurationShape ThirdPartyCaching { get; } = new ConfigurationShape("setting")
        .Value(nameof(ThirdPartyCachingOptions.Enabled))
        .Value(nameof(ThirdPartyCachingOptions.MinimumFreshness))
        .Value(nameof(ThirdPartyCachingOptions.MaxBodySize))
        .Value(nameof(ThirdPartyCachingOptions.Shared))
        .Text(nameof(ThirdPartyCachingOptions.StoreServiceKey))
        .Text(nameof(ThirdPartyCachingOptions.KeyPrefix))
        .Value(nameof(ThirdPartyCachingOptions.StaleRetention))
        .Value(nameof(ThirdPartyCachingOptions.MaxHeuristicFreshness))
        .Value(nameof(ThirdPartyCachingOptions.StaleIfError))
        .Value(nameof(ThirdPartyCachingOptions.OriginBackoff))
        .Value(nameof(ThirdPartyCachingOptions.StaleWhileRevalidate))
        .Value(nameof(ThirdPartyCachingOptions.StoreTimeout))
        .Value(nameof(ThirdPartyCachingOptions.OriginTimeout))
        .Value(nameof(ThirdPartyCachingOptions.NearCacheSizeLimit))
        .Value(nameof(ThirdPartyCachingOptions.NearCacheEntryDuration))
        .List(nameof(ThirdPartyCachingOptions.TargetedCacheControlFields))
        .Text(nameof(ThirdPartyCachingOptions.SurrogateDeviceToken));

    /// <summary>The settings of <see cref="HttpCachingStoreOptions"/>.</summary>
    public static ConfigurationShape Store { get; } = new ConfigurationShape("setting")
        .Value(nameof(HttpCachingStoreOptions.MemorySizeLimit))
        .Section(nameof(HttpCachingStoreOptions.Integrity), new ConfigurationShape("setting")
            .List(nameof(HttpCachingIntegrityOptions.Keys))
            .Value(nameof(HttpCachingIntegrityOptions.Encrypt)));
}
