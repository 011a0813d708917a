namespace HttpCaching.Internal;

/// <summary>
/// Removes the stored responses of a client's URI. It only checks its arguments: the removal is the client's
/// <see cref="ClientCache"/>'s, through the same path as its invalidation by unsafe methods (the client's keys, near
/// cache and store tier).
/// </summary>
internal sealed class ThirdPartyCacheInvalidator(ClientCaches caches, ThirdPartyCachingRegistry registry) : IThirdPartyCacheInvalidator
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

        return caches.For(clientName).InvalidateAsync(requestUri, cancellationToken);
    }
}
