using System.Buffers;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// One connection to one memcached server, used by one caller at a time (the pool hands it out): the meta commands the
/// store needs, each tagged with an opaque number the reply must echo, so a reply that belongs to another command is a
/// protocol violation, never a value. Touches of sliding entries are pipelined: sent after a read, quiet, and ended
/// with <c>mn</c>, whose <c>MN</c> the next command on the connection reads first.
/// </summary>
internal sealed class MemcachedConnection : IAsyncDisposable
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly MetaReader _reader;
    private readonly ArrayBufferWriter<byte> _command = new(256);
    private long _opaque;
    private int _pendingNoops;
    private bool _disposed;

    private MemcachedConnection(Socket socket, Stream stream, int generation)
    {
        _socket = socket;
        _stream = stream;
        _reader = new MetaReader(stream);
        Generation = generation;
    }

    /// <summary>The node's generation when the connection was opened: a failure of the node makes older ones obsolete.</summary>
    public int Generation { get; }

    /// <summary>Whether the connection broke after its command succeeded (a pipelined write failed): it is closed, not pooled.</summary>
    public bool Broken { get; set; }

    /// <summary>Whether the connection was used before (a pooled one), so a broken pipe may just be a server restart.</summary>
    public bool Reused { get; set; }

    /// <summary>
    /// Opens a connection: TCP, TLS when set, then an <c>mn</c> probe that tells whether the server wants
    /// authentication (it answers <c>CLIENT_ERROR unauthenticated</c>) before the credentials are sent. They are sent
    /// only then, so a server without <c>-Y</c> never receives, and stores, the password as a value.
    /// </summary>
    public static async Task<MemcachedConnection> OpenAsync(ServerAddress address, ConnectionSettings settings, int generation, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (settings.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = settings.TlsServerName ?? address.Host,
                        RemoteCertificateValidationCallback = settings.CertificateValidation,
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            var connection = new MemcachedConnection(socket, stream, generation);
            await connection.AuthenticateAsync(address, settings, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a value into a buffer of its exact size (from the array pool when <paramref name="pooled"/>), which is
    /// handed out only once the whole reply has been read and checked; the buffer grows as the bytes arrive, so a size
    /// the server announces but does not send costs no memory. A size above <paramref name="itemSizeMax"/>, the limit
    /// the server gave (0 when unknown), is a protocol violation. The header is read first: a value whose
    /// absolute expiry has come by <paramref name="now"/> is read past.
    /// </summary>
    public async ValueTask<(GetOutcome Outcome, EntryExpiry Expiry, ValueBuffer? Value, long? Ttl)> GetAsync(byte[] key, DateTimeOffset now, bool pooled, CancellationToken cancellationToken, long itemSizeMax = 0)
    {
        var opaque = Command("mg", key, "b v f t");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ReplyAsync(opaque, cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Miss)
        {
            return (GetOutcome.Miss, default, null, null);
        }

        Expect(reply, ReplyKind.Value, "mg");
        if (itemSizeMax > 0 && reply.Size > itemSizeMax)
        {
            throw new ProtocolViolationException($"a value of {reply.Size} bytes is larger than the item size limit the server gave ({itemSizeMax} bytes).");
        }
        if (reply.Size < ValueHeader.Length)
        {
            throw new ProtocolViolationException($"a value of {reply.Size} bytes is shorter than the store's {ValueHeader.Length}-byte header: it was not written by this store.");
        }

        var header = new byte[ValueHeader.Length];
        await _reader.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        if (!ValueHeader.TryRead(header, out var expiry))
        {
            throw new ProtocolViolationException("a value has no valid header: it was not written by this store (another client shares the keys, or the reply is corrupt).");
        }

        if (reply.ClientFlags is not { } flags || flags != expiry.ClientFlags())
        {
            throw new ProtocolViolationException("a value's client flags disagree with its header: it was not written by this store, or the reply is corrupt.");
        }

        if (expiry.IsExpired(now))
        {
            await _reader.ReadValueAsync(reply.Size - ValueHeader.Length, Discard.Instance, cancellationToken).ConfigureAwait(false);
            return (GetOutcome.Expired, expiry, null, reply.Ttl);
        }

        var value = new ValueBuffer(reply.Size - ValueHeader.Length, pooled);
        try
        {
            await _reader.ReadValueAsync(value.Length, value, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            value.Release();
            throw;
        }

        return (GetOutcome.Hit, expiry, value, reply.Ttl);
    }

    /// <summary>Sends a quiet touch and an <c>mn</c> without waiting: the next command reads their replies first.</summary>
    public async ValueTask TouchLaterAsync(byte[] key, long ttl, CancellationToken cancellationToken)
    {
        _command.ResetWrittenCount();
        Append("mg ");
        _command.Write(key);
        Append(string.Create(CultureInfo.InvariantCulture, $" b q T{ttl}\r\nmn\r\n"));
        await _stream.WriteAsync(_command.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _pendingNoops++;
    }

    /// <summary>Touches a key and waits for the answer; false when it is not there.</summary>
    public async ValueTask<bool> TouchAsync(byte[] key, long ttl, CancellationToken cancellationToken)
    {
        var opaque = Command("mg", key, string.Create(CultureInfo.InvariantCulture, $"b T{ttl}"));
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ReplyAsync(opaque, cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Miss)
        {
            return false;
        }

        Expect(reply, ReplyKind.Success, "mg");
        return true;
    }

    /// <summary>The client flags of a key, without its value; null when it is not there.</summary>
    public async ValueTask<uint?> FlagsAsync(byte[] key, CancellationToken cancellationToken)
    {
        var opaque = Command("mg", key, "b f");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ReplyAsync(opaque, cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Miss)
        {
            return null;
        }

        Expect(reply, ReplyKind.Success, "mg");
        return reply.ClientFlags ?? throw new ProtocolViolationException("an mg reply has no client flags although they were asked for.");
    }

    /// <summary>The TTL the server has for a key, in seconds (-1 for none); null when it is not there.</summary>
    public async ValueTask<long?> TtlAsync(byte[] key, CancellationToken cancellationToken)
    {
        var opaque = Command("mg", key, "b t");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ReplyAsync(opaque, cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Miss)
        {
            return null;
        }

        Expect(reply, ReplyKind.Success, "mg");
        return reply.Ttl ?? throw new ProtocolViolationException("an mg reply has no TTL although it was asked for.");
    }

    /// <summary>Stores a value with its header.</summary>
    /// <exception cref="ServerErrorException">The server refused it (<see cref="ServerErrorException.TooLarge"/> when too large).</exception>
    public async ValueTask SetAsync(byte[] key, ReadOnlySequence<byte> value, EntryExpiry expiry, long ttl, CancellationToken cancellationToken)
    {
        var length = ValueHeader.Length + value.Length;
        var opaque = Command("ms", key, string.Create(CultureInfo.InvariantCulture, $"{length} b T{ttl} F{expiry.ClientFlags()}"));
        ValueHeader.Write(_command.GetSpan(ValueHeader.Length), expiry);
        _command.Advance(ValueHeader.Length);
        if (value.Length <= 64 * 1024)
        {
            foreach (var segment in value)
            {
                _command.Write(segment.Span);
            }

            _command.Write(Crlf);
            await SendAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await SendAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in value)
            {
                await _stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }

            await _stream.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
        }

        var reply = await ReplyAsync(opaque, cancellationToken, storing: true).ConfigureAwait(false);
        Expect(reply, ReplyKind.Success, "ms");
    }

    /// <summary>Deletes a key; false when it was not there.</summary>
    public async ValueTask<bool> DeleteAsync(byte[] key, CancellationToken cancellationToken)
    {
        var opaque = Command("md", key, "b");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ReplyAsync(opaque, cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.NotFound)
        {
            return false;
        }

        Expect(reply, ReplyKind.Success, "md");
        return true;
    }

    /// <summary>Invalidates every item on the server (<c>flush_all</c>).</summary>
    public async ValueTask FlushAllAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        _command.ResetWrittenCount();
        Append("flush_all\r\n");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var reply = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Error)
        {
            throw new ServerErrorException(reply.Text ?? "ERROR");
        }

        if (reply.Kind != ReplyKind.Ok)
        {
            throw new ProtocolViolationException($"flush_all was answered with {reply.Kind}, which it cannot give.");
        }
    }

    /// <summary>The server's <c>item_size_max</c> from <c>stats settings</c>; null when it does not say.</summary>
    public async ValueTask<long?> ItemSizeMaxAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        _command.ResetWrittenCount();
        Append("stats settings\r\n");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        long? limit = null;
        for (var lines = 0; ; lines++)
        {
            var reply = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            switch (reply.Kind)
            {
                case ReplyKind.End:
                    return limit;
                case ReplyKind.Error:
                    return null;
                case ReplyKind.Stat when lines < 1000:
                    if (reply.StatName == "item_size_max")
                    {
                        limit = long.TryParse(reply.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
                            : throw new ProtocolViolationException("stats settings gives an item_size_max that is not a number.");
                    }

                    break;
                default:
                    throw new ProtocolViolationException("stats settings answered with something other than STAT lines and END.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }

        _socket.Dispose();
    }

    private async Task AuthenticateAsync(ServerAddress address, ConnectionSettings settings, CancellationToken cancellationToken)
    {
        _command.ResetWrittenCount();
        Append("mn\r\n");
        await SendAsync(cancellationToken).ConfigureAwait(false);
        var probe = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (probe.Kind == ReplyKind.Noop)
        {
            return;
        }

        if (probe.Kind != ReplyKind.Error || probe.Text?.Contains("unauthenticated", StringComparison.Ordinal) != true)
        {
            throw new ProtocolViolationException($"the server answered mn with something other than MN.");
        }

        if (settings.Username is null || settings.Password is null)
        {
            throw new AuthenticationFailedException($"memcached server {address} requires authentication (-Y), and no Username and Password are set.");
        }

        // "set <any key> 0 0 <bytes>\r\n<user> <password>\r\n"; the key, flags and TTL are ignored (protocol.txt, Authentication).
        var token = Encoding.UTF8.GetBytes(settings.Username + " " + settings.Password);
        _command.ResetWrittenCount();
        Append(string.Create(CultureInfo.InvariantCulture, $"set auth 0 0 {token.Length}\r\n"));
        _command.Write(token);
        _command.Write(Crlf);
        Array.Clear(token);
        await SendAsync(cancellationToken).ConfigureAwait(false);
        _command.Clear();
        var reply = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Kind != ReplyKind.Stored)
        {
            throw new AuthenticationFailedException(reply.Kind == ReplyKind.Error
                ? $"memcached server {address} refused user '{settings.Username}': {reply.Text}"
                : $"memcached server {address} answered the authentication with something other than STORED or an error.");
        }
    }

    /// <summary>Writes <c>&lt;cm&gt; &lt;key&gt; &lt;flags&gt; O&lt;n&gt;\r\n</c> into the command buffer; returns the opaque number.</summary>
    private long Command(string command, byte[] key, string flags)
    {
        var opaque = ++_opaque;
        _command.ResetWrittenCount();
        Append(command);
        Append(" ");
        _command.Write(key);
        Append(" ");
        Append(flags);
        Append(string.Create(CultureInfo.InvariantCulture, $" O{opaque}\r\n"));
        return opaque;
    }

    private void Append(string ascii)
    {
        var span = _command.GetSpan(ascii.Length);
        var written = Encoding.ASCII.GetBytes(ascii, span);
        _command.Advance(written);
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_command.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _command.ResetWrittenCount();
    }

    /// <summary>
    /// Reads the replies of pipelined touches, then this command's reply, whose opaque must be <paramref name="opaque"/>.
    /// Only a command that stores a value (<paramref name="storing"/>) can be refused as too large: the same error to any
    /// other is the server's failure, and the connection is not trusted again.
    /// </summary>
    private async ValueTask<MetaReply> ReplyAsync(long opaque, CancellationToken cancellationToken, bool storing = false)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        var reply = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Kind == ReplyKind.Error)
        {
            throw new ServerErrorException(reply.Text ?? "ERROR") { TooLarge = storing && reply.IsTooLarge };
        }

        // Every meta reply must echo this command's opaque (a bare EN, as servers before 1.6.10 or so send, is let be).
        if (reply.Opaque != opaque && !(reply.Kind == ReplyKind.Miss && reply.Opaque is null))
        {
            throw new ProtocolViolationException(reply.Opaque is null
                ? "a reply does not echo the command's opaque token: it may belong to another command."
                : "a reply echoes another command's opaque token: replies and commands are out of step.");
        }

        return reply;
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        while (_pendingNoops > 0)
        {
            var reply = await _reader.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            switch (reply.Kind)
            {
                case ReplyKind.Noop:
                    _pendingNoops--;
                    break;
                case ReplyKind.Success or ReplyKind.Miss or ReplyKind.NotFound or ReplyKind.Error:
                    // A touch's answer: a touch that failed changes nothing but the entry's lifetime.
                    break;
                default:
                    throw new ProtocolViolationException("a pipelined touch was answered with a value or another unexpected reply.");
            }
        }
    }

    private static void Expect(MetaReply reply, ReplyKind expected, string command)
    {
        if (reply.Kind != expected)
        {
            throw reply.Kind == ReplyKind.NotStored
                ? new ServerErrorException($"the server did not store the value (NS).")
                : new ProtocolViolationException($"{command} was answered with {reply.Kind}, which it cannot give here.");
        }
    }

    /// <summary>Swallows the rest of a value that is not returned.</summary>
    private sealed class Discard : IBufferWriter<byte>
    {
        public static readonly Discard Instance = new();

        [ThreadStatic]
        private static byte[]? t_buffer;

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => t_buffer ??= new byte[64 * 1024];

        public Span<byte> GetSpan(int sizeHint = 0) => t_buffer ??= new byte[64 * 1024];
    }
}
