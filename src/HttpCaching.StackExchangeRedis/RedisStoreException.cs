namespace HttpCaching.StackExchangeRedis;

/// <summary>
/// A Redis store operation failed. The message says what failed and why, names the key only by a hash of it
/// (<c>key #3f2a…</c>, the first 12 hex digits of the SHA-256 of its UTF-8 bytes), and never holds the configuration or
/// a password. StackExchange.Redis's own exception is not kept as the inner exception, because its message and data
/// carry keys (the called one and others in flight).
/// </summary>
public sealed class RedisStoreException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RedisStoreException"/> class.</summary>
    public RedisStoreException()
        : this("A Redis store operation failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RedisStoreException"/> class with a message.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    public RedisStoreException(string message)
        : this(message, RedisStoreFailure.Other)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RedisStoreException"/> class with a message and a cause.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    /// <param name="innerException">The cause, which must not hold a key or a secret either.</param>
    public RedisStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RedisStoreException"/> class with a message and a kind.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    /// <param name="failure">What kind of failure it is.</param>
    public RedisStoreException(string message, RedisStoreFailure failure)
        : base(message)
    {
        Failure = failure;
    }

    /// <summary>Gets what kind of failure this is.</summary>
    /// <value><see cref="RedisStoreFailure.Other"/> unless a constructor set it.</value>
    public RedisStoreFailure Failure { get; }
}
