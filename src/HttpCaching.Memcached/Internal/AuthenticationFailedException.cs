namespace HttpCaching.Memcached.Internal;

/// <summary>The server refused the credentials, or wants some and none are set; the message never holds the password.</summary>
internal sealed class AuthenticationFailedException : Exception
{
    public AuthenticationFailedException()
    {
    }

    public AuthenticationFailedException(string message)
        : base(message)
    {
    }

    public AuthenticationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
