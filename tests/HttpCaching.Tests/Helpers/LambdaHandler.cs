namespace HttpCaching.Tests.Helpers;

/// <summary>An origin written as a function that also sees the cancellation token of the request it serves.</summary>
/// <remarks>
/// Also the way to write an origin that fails asynchronously (<c>await Task.Yield(); throw …</c>): RichardSzalay.MockHttp
/// 7.1.0 never completes a request whose responder returns a faulted task, whether it faults asynchronously
/// (<c>Respond(async () => throw …)</c>) or was faulted already (<c>Respond(() => Task.FromException…)</c>); the
/// request hangs. A responder that throws synchronously (<c>Respond(_ => throw …)</c>) does reach the caller.
/// </remarks>
public sealed class LambdaHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => send(request, cancellationToken);
}
