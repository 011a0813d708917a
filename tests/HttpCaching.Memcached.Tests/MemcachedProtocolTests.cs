using HttpCaching.Memcached.Internal;
using HttpCaching.Memcached.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// The store against a server that lies (<see cref="ScriptedServer"/>): every reply it cannot trust is a clear
/// <see cref="MemcachedStoreException"/>, never a wrong value, and the connection that carried it is not used again.
/// </summary>
public sealed class MemcachedProtocolTests : IAsyncDisposable
{
    private static readonly byte[] Value = "the real value"u8.ToArray();

    private readonly MemcachedStores _stores = new();
    private ScriptedServer? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Lies => new()
    {
        { "another command's opaque", "VA {len} f0 O{other}\r\n{value}\r\n" },
        { "no opaque", "VA {len} f0\r\n{value}\r\n" },
        { "size shorter than the data", "VA 21 f0 O{o}\r\n{value}\r\n" },
        { "size longer than the data", "VA 40 f0 O{o}\r\n{value}\r\nMN\r\nMN\r\nMN\r\n" },
        { "a value without the store's header", "VA 3 f0 O{o}\r\nabc\r\n" },
        { "a foreign value of header length", "VA 24 f0 O{o}\r\nHCX\u0001aaaaaaaaaaaaaaaaaaaa\r\n" },
        { "client flags that disagree with the header", "VA {len} f600 O{o}\r\n{value}\r\n" },
        { "no client flags", "VA {len} O{o}\r\n{value}\r\n" },
        { "an unknown reply", "OK O{o}\r\n" },
        { "a text-protocol VALUE", "VALUE k 0 3\r\nabc\r\nEND\r\n" },
        { "HD to a get with v", "HD f0 O{o}\r\n" },
        { "an absurd size", "VA 2000000000 f0 O{o}\r\n" },
        { "a negative size", "VA -1 f0 O{o}\r\n" },
        { "a bare \\n", "VA {len} f0 O{o}\n{value}\r\n" },
        { "binary junk", "\u0081\u0000\u0000\u0005\r\n" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public async Task GetAsync_LyingReply_ThrowsProtocolFailureNeverAValue(string lie, string template)
    {
        _ = lie;
        var store = Store((line, opaque) => line.StartsWith("mg ", StringComparison.Ordinal) ? Render(template, opaque) : null);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", Ct));

        Assert.Equal(MemcachedStoreFailure.Protocol, ex.Failure);
        Assert.Contains("broke the protocol", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("real value", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryGetAsync_ValueWithBadTrailer_WritesNothingToTheDestination()
    {
        var store = Store((line, opaque) => Render("VA {len} f0 O{o}\r\n{value}XX", opaque));
        var destination = new System.Buffers.ArrayBufferWriter<byte>();

        await Assert.ThrowsAsync<MemcachedStoreException>(async () => await store.TryGetAsync("key", destination, Ct));

        Assert.Equal(0, destination.WrittenCount);
    }

    [Fact]
    public async Task GetAsync_HonestReply_ReturnsTheValue()
    {
        var store = Store((line, opaque) => Render("VA {len} f0 O{o}\r\n{value}\r\n", opaque));

        Assert.Equal(Value, await store.GetAsync("key", Ct));
    }

    [Fact]
    public async Task GetAsync_AfterAViolation_UsesANewConnectionAndLogsOnce()
    {
        var calls = 0;
        var store = Store((line, opaque) => Interlocked.Increment(ref calls) <= 2
            ? Render("VA {len} f0 O9999\r\n{value}\r\n", opaque)
            : Render("VA {len} f0 O{o}\r\n{value}\r\n", opaque));

        await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", Ct));
        await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", Ct));
        Assert.Equal(Value, await store.GetAsync("key", Ct));

        Assert.Equal(3, _server!.Connections);
        Assert.Single(_stores.StoreLogs(MemcachedHttpCacheDiagnostics.ProtocolViolationEventId));
    }

    [Fact]
    public async Task GetAsync_ServerClosesMidValue_ConnectionFailureNotAValue()
    {
        var store = Store((line, opaque) => Render("VA {len} f0 O{o}\r\n{value}", opaque)[..30], closeAfterReply: true);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", Ct));

        Assert.Equal(MemcachedStoreFailure.Connection, ex.Failure);
    }

    [Fact]
    public async Task GetAsync_SizeAboveTheItemSizeLimitTheServerGave_ProtocolFailureBeforeReadingIt()
    {
        // The server said (stats settings) its items are at most 1 MiB; a value of almost 1 GB cannot be one of them.
        var header = new byte[ValueHeader.Length];
        ValueHeader.Write(header, default);
        var store = Store((line, opaque) => line.StartsWith("mg ", StringComparison.Ordinal)
            ? [.. ScriptedServer.Ascii($"VA 1000000000 f0 O{opaque}\r\n"), .. header]
            : null, closeAfterReply: true);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("key", Ct));

        Assert.Equal(MemcachedStoreFailure.Protocol, ex.Failure);
        Assert.Contains("larger than the item size limit", ex.Message, StringComparison.Ordinal);
        Assert.Single(_stores.StoreLogs(MemcachedHttpCacheDiagnostics.ItemSizeLimitEventId));
    }

    [Fact]
    public async Task SetAsync_ServerError_ServerFailureWithItsText()
    {
        var store = Store((line, opaque) => ScriptedServer.Ascii("SERVER_ERROR out of memory storing object\r\n"));

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.SetAsync("key", [1], new DistributedCacheEntryOptions(), Ct));

        Assert.Equal(MemcachedStoreFailure.Server, ex.Failure);
        Assert.Contains("out of memory storing object", ex.Message, StringComparison.Ordinal);
        Assert.Contains(KeyHash.Of("key"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAsync_NotStored_ServerFailure()
    {
        var store = Store((line, opaque) => ScriptedServer.Ascii($"NS O{opaque}\r\n"));

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.SetAsync("key", [1], new DistributedCacheEntryOptions(), Ct));

        Assert.Equal(MemcachedStoreFailure.Server, ex.Failure);
    }

    [Fact]
    public async Task GetAsync_Exception_NeverHoldsTheKey()
    {
        const string key = "httpcaching:feeds:e:secret-looking-key";
        var store = Store((line, opaque) => ScriptedServer.Ascii("CLIENT_ERROR bad data chunk\r\n"));

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync(key, Ct));

        Assert.DoesNotContain(key, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(KeyEncoder.Raw(string.Empty, key)), ex.ToString(), StringComparison.Ordinal);
        Assert.Contains(KeyHash.Of(key), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("remove")]
    public async Task AnyCall_TooLargeErrorToACommandWithoutAValue_ServerFailureOnANewConnection(string operation)
    {
        // Only a set can be too large: the same error to a get or a removal is the server's failure (a store exception),
        // and the connection that carried it is not trusted again.
        var calls = 0;
        var store = Store((line, opaque) => Interlocked.Increment(ref calls) == 1
            ? ScriptedServer.Ascii("SERVER_ERROR object too large for cache\r\n")
            : ScriptedServer.Ascii($"EN O{opaque}\r\n"));

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => operation == "get" ? store.GetAsync("key", Ct) : store.RemoveAsync("key", Ct));

        Assert.Equal(MemcachedStoreFailure.Server, ex.Failure);
        Assert.Null(await store.GetAsync("key", Ct));
        Assert.Equal(2, _server!.Connections);
    }

    [Fact]
    public async Task AnyCall_AfterTheStoreIsDisposed_ObjectDisposedAndNoNewConnection()
    {
        // A request still in flight as the application stops must not open connections that nobody closes.
        var store = Store((line, opaque) => ScriptedServer.Ascii($"EN O{opaque}\r\n"));
        Assert.Null(await store.GetAsync("key", Ct));
        var connections = _server!.Connections;

        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("key", Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SetAsync("key", [1], new(), Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RefreshAsync("key", Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RemoveAsync("key", Ct));
        Assert.Equal(connections, _server.Connections);
    }

    [Fact]
    public async Task GetAsync_EveryConnectionBusyPastTheOperationTimeout_TimeoutAndTheServerNotMarkedDown()
    {
        // The server answers; its one connection is only busy. Waiting for it is not a failure of the server.
        var time = new FakeTimeProvider(TestClock.Start);
        _server = new ScriptedServer((line, opaque) => ScriptedServer.Ascii($"EN O{opaque}\r\n"));
        var store = _stores.Create(o =>
        {
            o.Servers = _server.Endpoint;
            o.MaxConnectionsPerServer = 1;
            o.OperationTimeout = TimeSpan.FromSeconds(2);
        }, time);
        Assert.Null(await store.GetAsync("key", Ct));
        var busy = await store.Nodes[0].RentAsync(Ct);

        var queued = store.GetAsync("key", Ct);
        time.Advance(TimeSpan.FromSeconds(2));
        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => queued);
        store.Nodes[0].Return(busy);

        Assert.Equal(MemcachedStoreFailure.Timeout, ex.Failure);
        Assert.False(store.Nodes[0].IsDown);
        Assert.Null(await store.GetAsync("key", Ct));
        Assert.Equal(1, _server.Connections);
    }

    [Fact]
    public async Task RefreshAsync_SizeAboveTheItemSizeLimitTheServerGave_ProtocolFailureBeforeReadingIt()
    {
        // A sliding entry under an absolute cap: Refresh reads its header, and must refuse a size the server cannot hold
        // as a get does.
        var expiry = new EntryExpiry(TestClock.Start.AddHours(1).UtcTicks, TimeSpan.FromMinutes(1).Ticks);
        var header = new byte[ValueHeader.Length];
        ValueHeader.Write(header, expiry);
        var flags = expiry.ClientFlags();
        var store = Store((line, opaque) =>
        {
            var next = long.Parse(opaque, System.Globalization.CultureInfo.InvariantCulture) + 1;
            return [.. ScriptedServer.Ascii($"HD f{flags} O{opaque}\r\nVA 1000000000 f{flags} O{next}\r\n"), .. header];
        }, closeAfterReply: true);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.RefreshAsync("key", Ct));

        Assert.Equal(MemcachedStoreFailure.Protocol, ex.Failure);
        Assert.Contains("larger than the item size limit", ex.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _stores.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A reply from a template: <c>{o}</c> the opaque, <c>{other}</c> another, <c>{value}</c> a valid header and <see cref="Value"/>, <c>{len}</c> its length.</summary>
    private static byte[] Render(string template, string opaque)
    {
        var header = new byte[ValueHeader.Length];
        ValueHeader.Write(header, default);
        var value = System.Text.Encoding.Latin1.GetString([.. header, .. Value]);
        return ScriptedServer.Ascii(template
            .Replace("{len}", (header.Length + Value.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{other}", opaque + "1", StringComparison.Ordinal)
            .Replace("{o}", opaque, StringComparison.Ordinal)
            .Replace("{value}", value, StringComparison.Ordinal));
    }

    private MemcachedCacheStore Store(Func<string, string, byte[]?> script, bool closeAfterReply = false)
    {
        _server = new ScriptedServer(script, closeAfterReply);
        return _stores.Create(o =>
        {
            o.Servers = _server.Endpoint;
            o.MaxConnectionsPerServer = 1;
        });
    }
}
