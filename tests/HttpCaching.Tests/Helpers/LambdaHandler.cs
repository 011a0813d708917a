namespace HttpCaching.Tests.Helpers;

/// <summary>An origin written as a function that also sees the cancellation token of the request it serves.</summary>
public sealed class LambdaHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => send(request, cancellationToken);
}
