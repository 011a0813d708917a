namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>What the stub origin did with a request that reached it.</summary>
internal enum OriginAnswer
{
    /// <summary>A <c>200</c> with the current version.</summary>
    Ok,

    /// <summary>A <c>304</c>: the request named the current version.</summary>
    NotModified,

    /// <summary>An <see cref="HttpRequestException"/>.</summary>
    Refused,

    /// <summary>A <c>503</c>.</summary>
    Unavailable,
}
