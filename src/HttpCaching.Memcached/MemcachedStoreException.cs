namespace HttpCaching.Memcached;

/// <summary>
/// A memcached store operation failed. The message says what failed and why, names the key only by a hash of it
/// (<c>key #3f2a…</c>, the first 12 hex digits of the SHA-256 of its UTF-8 bytes), and never holds a value, the user
/// name's password or anything the server sent beyond a short, printable error text.
/// </summary>
public sealed class MemcachedStoreException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MemcachedStoreException"/> class.</summary>
    public MemcachedStoreException()
        : this("A memcached store operation failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MemcachedStoreException"/> class with a message.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    public MemcachedStoreException(string message)
        : this(message, MemcachedStoreFailure.Other)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MemcachedStoreException"/> class with a message and a cause.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    /// <param name="innerException">The cause, which must not hold a key or a secret either.</param>
    public MemcachedStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MemcachedStoreException"/> class with a message and a kind.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    /// <param name="failure">What kind of failure it is.</param>
    public MemcachedStoreException(string message, MemcachedStoreFailure failure)
        : base(message)
    {
        Failure = failure;
    }

    /// <summary>Initializes a new instance of the <see cref="MemcachedStoreException"/> class with a message, a kind and a cause.</summary>
    /// <param name="message">The message, which must not hold a key or a secret.</param>
    /// <param name="failure">What kind of failure it is.</param>
    /// <param name="innerException">The cause, which must not hold a key or a secret either.</param>
    public MemcachedStoreException(string message, MemcachedStoreFailure failure, Exception? innerException)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>Gets what kind of failure this is.</summary>
    /// <value><see cref="MemcachedStoreFailure.Other"/> unless a constructor set it.</value>
    public MemcachedStoreFailure Failure { get; }
}
