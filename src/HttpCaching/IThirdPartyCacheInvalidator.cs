namespace HttpCaching;

/// <summary>
/// Removes stored responses from application code, for example when a webhook says that a feed changed. Registered by
/// <c>AddThirdPartyCaching()</c>.
/// </summary>
public interface IThirdPartyCacheInvalidator
{
    /// <summary>
    /// Makes the stored response for <paramref name="requestUri"/> (every variant of it) unusable for the named client,
    /// so that the next request goes to the origin. Body versions are left to expire.
    /// </summary>
    /// <param name="clientName">The name of the <see cref="HttpClient"/> that has the caching handler.</param>
    /// <param name="requestUri">The absolute URI, as the client requests it.</param>
    /// <param name="cancellationToken">Cancels the store operation.</param>
    /// <returns>
    /// <see langword="true"/> when a stored response was found and removed; <see langword="false"/> when nothing was
    /// stored for the URI, or the store could not be read or refused the removal (logged). The removal is made in every
    /// case, and one the store does not take is retried on the next read of the URI.
    /// </returns>
    /// <exception cref="ArgumentException">The client has no caching handler, or the URI is not absolute.</exception>
    ValueTask<bool> InvalidateAsync(string clientName, Uri requestUri, CancellationToken cancellationToken = default);
}
