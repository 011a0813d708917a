namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>How the stub origin answers.</summary>
internal enum OriginMode
{
    /// <summary>The current version with a <c>200</c>, or a <c>304</c> when <c>If-None-Match</c> names it.</summary>
    Healthy,

    /// <summary>No answer: an <see cref="HttpRequestException"/>, as a refused connection gives.</summary>
    Refusing,

    /// <summary>A <c>503 Service Unavailable</c> without <c>Retry-After</c>.</summary>
    Unavailable,
}
