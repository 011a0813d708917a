namespace HttpCaching.Demo;

/// <summary>
/// Added after <c>AddThirdPartyCaching()</c>, so it sits below the cache and sees only what the cache sends to the
/// origin: it counts those requests, and those whose connection failed (the host was down).
/// </summary>
public sealed class OriginCallCounter(OriginCallTally tally) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        tally.AddSent();
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            tally.AddConnectionRefused();
            throw;
        }
    }
}
