namespace HttpCaching.Memcached.Internal;

/// <summary>
/// The wait for a free connection to a server was cancelled while every one of its
/// <see cref="MemcachedHttpCacheOptions.MaxConnectionsPerServer"/> connections was in use: the server is busy, not down.
/// </summary>
internal sealed class PoolBusyException(CancellationToken token) : OperationCanceledException(token);
