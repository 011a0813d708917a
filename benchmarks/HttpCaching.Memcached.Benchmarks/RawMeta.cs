using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Memcached.Benchmarks;

/// <summary>
/// The least a client can do for one value: one connection, a pre-encoded <c>mg &lt;key&gt; b v</c>, the <c>VA</c> line
/// parsed by hand and the value read into a new array. What the store is held to.
/// </summary>
internal sealed class RawMeta : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RawMeta(string host, int port)
    {
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(host, port);
        _stream = new NetworkStream(_socket, ownsSocket: true);
    }

    /// <summary>The command for the raw bytes of a key: <c>mg &lt;base64&gt; b v\r\n</c>.</summary>
    public static byte[] GetCommand(byte[] rawKey)
    {
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(rawKey.Length)];
        Base64.EncodeToUtf8(rawKey, encoded, out _, out var written);
        return [.. "mg "u8, .. encoded.AsSpan(0, written), .. " b v\r\n"u8];
    }

    public async Task<byte[]> GetAsync(byte[] command)
    {
        await _stream.WriteAsync(command).ConfigureAwait(false);
        var line = await LineAsync().ConfigureAwait(false);
        if (!line.StartsWith("VA ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"mg answered '{line}'.");
        }

        var space = line.IndexOf(' ', 3);
        var size = int.Parse(space < 0 ? line[3..] : line[3..space], CultureInfo.InvariantCulture);
        var value = new byte[size];
        var copied = 0;
        while (copied < size)
        {
            if (_start == _end)
            {
                await FillAsync().ConfigureAwait(false);
            }

            var take = Math.Min(size - copied, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(value.AsSpan(copied));
            _start += take;
            copied += take;
        }

        while (_end - _start < 2)
        {
            await FillAsync().ConfigureAwait(false);
        }

        _start += 2;
        return value;
    }

    public void Dispose() => _stream.Dispose();

    private async Task<string> LineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - 1 - _start);
                _start = newline + 1;
                return line;
            }

            await FillAsync().ConfigureAwait(false);
        }
    }

    private async Task FillAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException("memcached closed the connection.");
        }

        _end += read;
    }
}
