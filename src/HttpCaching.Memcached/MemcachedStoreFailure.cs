namespace HttpCaching.Memcached;

/// <summary>What kind of failure a <see cref="MemcachedStoreException"/> reports.</summary>
public enum MemcachedStoreFailure
{
    /// <summary>Anything not listed below: the message says what.</summary>
    Other,

    /// <summary>No connection to the server could be made, it broke during the call, or every server is down.</summary>
    Connection,

    /// <summary>The server did not answer within <see cref="MemcachedHttpCacheOptions.OperationTimeout"/> (or the connection within <see cref="MemcachedHttpCacheOptions.ConnectTimeout"/>).</summary>
    Timeout,

    /// <summary>The server answered with an error (<c>SERVER_ERROR</c>, <c>CLIENT_ERROR</c> or <c>ERROR</c>).</summary>
    Server,

    /// <summary>The server refused the user name and password (<c>-Y</c> authentication), or wants them and none are set.</summary>
    Authentication,

    /// <summary>The TLS handshake failed: TLS is off at one end, or the server's certificate was not trusted.</summary>
    Tls,

    /// <summary>
    /// The server's reply broke the protocol, or a value was not a record this store wrote. The connection is closed;
    /// nothing of the reply is returned.
    /// </summary>
    Protocol,
}
