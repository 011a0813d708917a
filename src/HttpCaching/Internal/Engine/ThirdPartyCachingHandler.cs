namespace HttpCaching.Internal;

/// <summary>
/// The caching handler of one named client. <c>IHttpClientFactory</c> rebuilds handlers every handler lifetime, so
/// this one holds nothing but its client's <see cref="ClientCache"/>, a singleton that does all the caching: each
/// request goes to it with this handler's <c>base.SendAsync</c> as a static callback and its state, the way
/// Http.Resilience's <c>ResilienceHandler</c> passes its inner send, so the cache never keeps a handler.
/// </summary>
/// <param name="cache">The cache of the client this handler belongs to.</param>
internal sealed class ThirdPartyCachingHandler(ClientCache cache) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        cache.SendAsync(
            request,
            static (request, handler, cancellationToken) => ((ThirdPartyCachingHandler)handler).SendInnerAsync(request, cancellationToken),
            this,
            cancellationToken);

    /// <summary>The rest of this handler's chain, towards the origin.</summary>
    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
