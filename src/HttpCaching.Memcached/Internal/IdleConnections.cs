using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// The idle connections of one server's pool. Once it is disposed, nothing stays in it: a connection given back while
/// or after it is disposed is closed, never kept (and leaked) in a pool no one reads again.
/// </summary>
/// <typeparam name="T">The connection (a <see cref="MemcachedConnection"/>; a fake in the tests).</typeparam>
internal sealed class IdleConnections<T> : IAsyncDisposable
    where T : class, IAsyncDisposable
{
    private readonly ConcurrentStack<T> _idle = new();
    private int _disposed;

    /// <summary>Whether the pool was disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Takes the most recently returned idle connection.</summary>
    public bool TryTake([MaybeNullWhen(false)] out T connection) => _idle.TryPop(out connection);

    /// <summary>
    /// Keeps a connection for the next caller when the pool is not disposed and <paramref name="isCurrent"/> holds for it;
    /// closes it otherwise, and when the pool is disposed while it is being given back.
    /// </summary>
    /// <returns>Whether it was kept.</returns>
    public bool Return(T connection, Func<T, bool> isCurrent)
    {
        if (IsDisposed || !isCurrent(connection))
        {
            _ = connection.DisposeAsync().AsTask();
            return false;
        }

        _idle.Push(connection);

        // A disposal that began after the check above may have emptied the pool before the push: close what is left.
        // Either it sees this connection, or this read sees its flag (both are full fences).
        if (IsDisposed)
        {
            _ = CloseIdleAsync().AsTask();
            return false;
        }

        return true;
    }

    /// <summary>Closes every idle connection (the server may have restarted); the pool stays usable.</summary>
    public async ValueTask CloseIdleAsync()
    {
        while (_idle.TryPop(out var idle))
        {
            await idle.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes every idle connection, and every one given back from now on.</summary>
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return CloseIdleAsync();
    }
}
