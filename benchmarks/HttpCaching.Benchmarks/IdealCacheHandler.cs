namespace HttpCaching.Benchmarks;

/// <summary>
/// The floor for an in-process cache hit: a dictionary lookup by URI, then a new response built from a prebuilt body
/// and prebuilt headers. It does no hashing, no serialisation, no freshness check and no store access, but, like any
/// cache, gives every caller a response object of its own. Requests it holds no entry for go to the inner handler.
/// </summary>
/// <param name="entries">The stored responses by absolute URI; filled before the first request and only read after that.</param>
public sealed class IdealCacheHandler(Dictionary<string, IdealCacheEntry> entries) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Method == HttpMethod.Get
        && request.RequestUri is { } uri
        && entries.TryGetValue(uri.AbsoluteUri, out var entry)
            ? Task.FromResult(entry.CreateResponse(request))
            : base.SendAsync(request, cancellationToken);
}
