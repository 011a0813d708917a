using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The rules declared on <see cref="ThirdPartyCachingOptions"/> by <c>[Range]</c> and <c>[Required]</c>, checked by
/// source-generated code. <see cref="ThirdPartyCachingOptionsCustomValidator"/> runs it and names the configuration
/// key in its messages.
/// </summary>
[OptionsValidator]
internal sealed partial class ThirdPartyCachingOptionsValidator : IValidateOptions<ThirdPartyCachingOptions>
{
    /// <summary>The largest body that can be cached: a record is one array.</summary>
    public const long MaxBodySizeLimit = 1024L * 1024 * 1024;

    /// <summary>The longest duration any setting takes (but the timeouts): 365 days.</summary>
    public const string MaxDurationText = "365.00:00:00";

    /// <summary>The largest <see cref="ThirdPartyCachingOptions.NearCacheSizeLimit"/>: 1 TiB.</summary>
    public const long MaxNearCacheSizeLimit = 1L << 40;
}
