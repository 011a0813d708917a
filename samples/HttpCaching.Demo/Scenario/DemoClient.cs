namespace HttpCaching.Demo;

/// <summary>
/// One of the app's cached clients: the stand-in resource it calls, what it expects back (its <c>ValidateResponse</c>
/// hook checks the same), what its cache sent to the origin and what its callers saw.
/// </summary>
public sealed class DemoClient(string name, OriginEndpoint endpoint, Uri requestUri, string expects, Func<string?, ReadOnlyMemory<byte>, bool> accepts)
{
    public string Name { get; } = name;

    /// <summary>The stand-in origin's resource this client calls.</summary>
    public OriginEndpoint Endpoint { get; } = endpoint;

    public Uri RequestUri { get; } = requestUri;

    /// <summary>What the client expects, in words.</summary>
    public string Expects { get; } = expects;

    public ValidationHook Validation { get; } = new(accepts);

    public OriginCallTally OriginCalls { get; } = new();

    public ClientTraffic Traffic { get; } = new();

    /// <summary>Whether a body is what the client expects; the app checks every response it gets with this.</summary>
    public bool Accepts(string? mediaType, ReadOnlyMemory<byte> body) => accepts(mediaType, body);
}
