namespace HttpCaching.Memcached.Internal;

/// <summary>The server answered a command with an error line; <see cref="Exception.Message"/> is its printable text.</summary>
internal sealed class ServerErrorException : Exception
{
    public ServerErrorException()
    {
    }

    public ServerErrorException(string message)
        : base(message)
    {
    }

    public ServerErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool TooLarge { get; init; }

    /// <summary>Whether the store refused it itself, from the limit it knows, without sending it.</summary>
    public bool Local { get; init; }

    /// <summary>The server that refused it (or would have), once the store knows which.</summary>
    public string? Server { get; init; }
}
