namespace HttpCaching.Memcached.Internal;

/// <summary>A reply that breaks the meta protocol; its message says how, and never quotes more than the reply's code.</summary>
internal sealed class ProtocolViolationException : Exception
{
    public ProtocolViolationException()
    {
    }

    public ProtocolViolationException(string message)
        : base(message)
    {
    }

    public ProtocolViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
