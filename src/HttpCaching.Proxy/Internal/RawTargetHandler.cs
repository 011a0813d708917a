namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Sends the request target exactly as the client wrote it. The caching handler above it keys on the canonical form
/// of the URI (it cannot read a URI built with <see cref="UriCreationOptions.DangerousDisablePathAndQueryCanonicalization"/>),
/// so the forwarder gives it the canonical URI and puts the raw one in the request's options; this handler, the last
/// before the socket, swaps it in for the send and puts the canonical URI back afterwards, so the cache never sees a
/// URI that differs from the one it asked for (which it would take for a redirect).
/// </summary>
internal sealed class RawTargetHandler : DelegatingHandler
{
    /// <summary>The option that carries the URI to send, built without path and query canonicalisation.</summary>
    public static readonly HttpRequestOptionsKey<Uri> RawUri = new("HttpCaching.Proxy.RawUri");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(RawUri, out var raw))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var canonical = request.RequestUri;
        request.RequestUri = raw;
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.RequestUri = canonical;
        }
    }
}
