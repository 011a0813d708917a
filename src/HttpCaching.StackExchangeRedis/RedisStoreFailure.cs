namespace HttpCaching.StackExchangeRedis;

/// <summary>What kind of failure a <see cref="RedisStoreException"/> reports.</summary>
public enum RedisStoreFailure
{
    /// <summary>Anything not listed below: the message says what.</summary>
    Other,

    /// <summary>There was no connection to the server, or it broke during the call.</summary>
    Connection,

    /// <summary>The server did not answer within StackExchange.Redis's <c>syncTimeout</c> or <c>asyncTimeout</c>.</summary>
    Timeout,

    /// <summary>The server answered with an error (for example <c>OOM</c>, <c>READONLY</c> or <c>LOADING</c>).</summary>
    Server,

    /// <summary>The server refused the command or the key to the ACL user (<c>NOPERM</c>) or the credentials.</summary>
    PermissionDenied,

    /// <summary>
    /// The store refused to write because the server cannot evict (<c>maxmemory-policy noeviction</c> or
    /// <c>maxmemory 0</c>), or because its memory policy could not be read yet.
    /// </summary>
    WriteRefused,
}
