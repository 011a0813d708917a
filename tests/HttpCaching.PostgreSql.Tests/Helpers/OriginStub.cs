namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>
/// The origin server of a client: answers every request with <paramref name="respond"/> and records it. It keeps
/// working after the factory disposes it, so one instance can serve every handler chain.
/// </summary>
public sealed class OriginStub(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly List<HttpRequestMessage> _requests = [];

    public IReadOnlyList<HttpRequestMessage> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }

        return Task.FromResult(respond(request));
    }
}
