namespace HttpCaching.Demo;

/// <summary>
/// What one caller of the app got: the status code (or the exception, when there was no response at all), whether the
/// body was what the client expects, the handler's <c>Cache-Status</c>, the body size and how long it took in real time.
/// </summary>
public sealed record AppResponse(TimeSpan At, Phase Phase, int? StatusCode, bool Expected, string CacheStatus, long BodyBytes, TimeSpan Latency, string? Error = null)
{
    public CacheStatusInfo Info { get; } = CacheStatusInfo.Parse(CacheStatus);

    /// <summary>Whether the caller saw an error: not a 200, a body it cannot use, or an exception.</summary>
    public bool Failed => StatusCode != 200 || !Expected;
}
