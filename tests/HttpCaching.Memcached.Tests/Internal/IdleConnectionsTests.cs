using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

/// <summary>A server's idle connections: one given back while or after the pool is disposed is closed, never kept.</summary>
public sealed class IdleConnectionsTests
{
    [Fact]
    public async Task Return_Current_KeepsItForTheNextCaller()
    {
        var pool = new IdleConnections<FakeConnection>();
        var connection = new FakeConnection();

        Assert.True(pool.Return(connection, _ => true));

        Assert.True(pool.TryTake(out var taken));
        Assert.Same(connection, taken);
        Assert.False(connection.Disposed);
        await pool.DisposeAsync();
    }

    [Fact]
    public void Return_NotCurrent_ClosesIt()
    {
        var pool = new IdleConnections<FakeConnection>();
        var connection = new FakeConnection();

        Assert.False(pool.Return(connection, _ => false));

        Assert.True(connection.Disposed);
        Assert.False(pool.TryTake(out _));
    }

    [Fact]
    public async Task DisposeAsync_IdleConnections_ClosesThem()
    {
        var pool = new IdleConnections<FakeConnection>();
        var connection = new FakeConnection();
        pool.Return(connection, _ => true);

        await pool.DisposeAsync();

        Assert.True(connection.Disposed);
        Assert.False(pool.TryTake(out _));
    }

    [Fact]
    public async Task Return_AfterDispose_ClosesIt()
    {
        var pool = new IdleConnections<FakeConnection>();
        await pool.DisposeAsync();
        var connection = new FakeConnection();

        Assert.False(pool.Return(connection, _ => true));

        Assert.True(connection.Disposed);
        Assert.False(pool.TryTake(out _));
    }

    [Fact]
    public void Return_PoolDisposedWhileReturning_ClosesIt()
    {
        var pool = new IdleConnections<FakeConnection>();
        var connection = new FakeConnection();

        // The disposal runs after Return saw the pool open, before the connection is pooled: a disposal on another
        // thread at that instant, which emptied the pool too early to see it.
        Assert.False(pool.Return(connection, _ =>
        {
            var disposal = pool.DisposeAsync().AsTask();
            Assert.True(disposal.IsCompletedSuccessfully);
            return true;
        }));

        Assert.True(connection.Disposed);
        Assert.False(pool.TryTake(out _));
    }

    private sealed class FakeConnection : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
