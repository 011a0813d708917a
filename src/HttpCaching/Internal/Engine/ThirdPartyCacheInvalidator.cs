using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Removes the stored responses of a client's URI, through the same path as the handler's own invalidation by unsafe
/// methods: the client's keys, near cache and store tier.
/// </summary>
internal sealed class ThirdPartyCacheInvalidator(
    IOptionsMonitor<ThirdPartyCachingOptions> optionsMonitor,
    CacheStoreProvider stores,
    NearCaches nearCaches,
    ClientCacheStates states,
    ThirdPartyCachingRegistry registry) : IThirdPartyCacheInvalidator
{
    public ValueTask<bool> InvalidateAsync(string clientName, Uri requestUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!registry.Contains(clientName))
        {
            throw new ArgumentException(
                $"The HttpClient '{clientName}' has no caching handler: call AddThirdPartyCaching() on it. Client names are case-sensitive, as in IHttpClientFactory.",
                nameof(clientName));
        }

        if (!requestUri.IsAbsoluteUri)
        {
            throw new ArgumentException("The URI must be absolute.", nameof(requestUri));
        }

        var state = states.For(clientName);
        ThirdPartyCachingOptions options;
        try
        {
            options = optionsMonitor.Get(clientName);
        }
        catch (OptionsValidationException) when (state.LastValidOptions is not null)
        {
            // As the handler does: an invalid reload keeps the last valid options.
            options = state.LastValidOptions;
        }

        return state.InvalidateAsync(state.Tier(options, stores, nearCaches), requestUri, reportRemoved: true, cancellationToken);
    }
}
