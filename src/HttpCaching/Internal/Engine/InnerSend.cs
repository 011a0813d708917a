namespace HttpCaching.Internal;

/// <summary>
/// The rest of the handler chain below the caching handler that received a request: a static callback and its state
/// (that handler), the way Http.Resilience's <c>ResilienceHandler</c> hands <c>base.SendAsync</c> to its pipeline. The
/// client's <see cref="ClientCache"/>, a singleton, holds none in a field; an origin request shared by several callers
/// runs on the chain of the caller that started it, for as long as it runs, as it always has.
/// </summary>
internal readonly struct InnerSend(Func<HttpRequestMessage, object, CancellationToken, Task<HttpResponseMessage>> send, object state)
{
    /// <summary>Sends <paramref name="request"/> down the rest of the chain, towards the origin.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        send(request, state, cancellationToken);
}
