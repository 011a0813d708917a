namespace HttpCaching.Demo;

/// <summary>
/// What a stand-in resource does during a phase of the scenario: serve its representation as usual, refuse
/// connections (its host is down), answer with an error status (optionally with <c>Retry-After</c>), or answer 200
/// with a body that is not the resource, such as a maintenance page.
/// </summary>
public sealed record EndpointBehaviour(string Description)
{
    public static EndpointBehaviour Normal { get; } = new("normal");

    /// <summary>The host is down: nothing listens on its port, so connections are refused.</summary>
    public static EndpointBehaviour Unreachable { get; } = new("host down, connections refused") { IsUnreachable = true };

    public bool IsUnreachable { get; private init; }

    /// <summary>The error status sent instead of the resource, such as 503 or 429.</summary>
    public int? ErrorStatus { get; private init; }

    /// <summary>The <c>Retry-After</c> sent with <see cref="ErrorStatus"/>, in seconds.</summary>
    public int? RetryAfterSeconds { get; private init; }

    /// <summary>The body sent with a 200 instead of the resource.</summary>
    public Representation? Substitute { get; private init; }

    public static EndpointBehaviour Error(int status, string reason, int? retryAfterSeconds = null) =>
        new(retryAfterSeconds is { } seconds ? $"{status} {reason}, Retry-After: {seconds}" : $"{status} {reason}")
        {
            ErrorStatus = status,
            RetryAfterSeconds = retryAfterSeconds,
        };

    public static EndpointBehaviour Serves(Representation substitute, string description) =>
        new($"200 with {description}") { Substitute = substitute };
}
