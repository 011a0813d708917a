using System.Buffers;
using System.Globalization;
using System.Text;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Reads memcached's replies from a stream, strictly: every line must end with <c>\r\n</c> within
/// <see cref="MaxLineLength"/> bytes and hold printable ASCII only, every value must be followed by <c>\r\n</c>, a
/// value's size must be a plain decimal within <see cref="MaxValueSize"/>, and the flags the store reads must be
/// well-formed. Anything else throws <see cref="ProtocolViolationException"/>, and the end of the stream in mid-reply an
/// <see cref="IOException"/>; the caller then closes the connection, so a reply is never half-used.
/// </summary>
internal sealed class MetaReader(Stream stream)
{
    /// <summary>The longest reply line accepted; memcached's are far shorter.</summary>
    public const int MaxLineLength = 2048;

    /// <summary>The largest value accepted: memcached's own ceiling for <c>-I</c>, 1 GiB.</summary>
    public const int MaxValueSize = 1024 * 1024 * 1024;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>Whether bytes are waiting in the buffer (a reply nobody asked for, or the rest of one).</summary>
    public bool HasBufferedData => _end > _start;

    /// <summary>Reads and parses one reply line.</summary>
    public async ValueTask<MetaReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                if (newline - _start > MaxLineLength)
                {
                    throw new ProtocolViolationException($"a reply line is longer than {MaxLineLength} bytes.");
                }

                var line = _buffer.AsSpan(_start, newline - _start);
                _start = newline + 1;
                if (line.Length == 0 || line[^1] != (byte)'\r')
                {
                    throw new ProtocolViolationException("a reply line does not end with \\r\\n.");
                }

                return Parse(line[..^1]);
            }

            if (_end - _start > MaxLineLength)
            {
                throw new ProtocolViolationException($"a reply line is longer than {MaxLineLength} bytes.");
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a value of <paramref name="size"/> bytes and its <c>\r\n</c> into <paramref name="destination"/>.</summary>
    public async ValueTask ReadValueAsync(int size, IBufferWriter<byte> destination, CancellationToken cancellationToken)
    {
        var left = size;
        while (left > 0)
        {
            if (_end == _start)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(left, _end - _start);
            var span = destination.GetSpan(take);
            take = Math.Min(take, span.Length);
            _buffer.AsSpan(_start, take).CopyTo(span);
            destination.Advance(take);
            _start += take;
            left -= take;

            // A large value goes from the socket straight into the destination, past the buffer.
            while (left >= _buffer.Length && _end == _start)
            {
                var memory = destination.GetMemory(Math.Min(left, 256 * 1024));
                var read = await stream.ReadAsync(memory[..Math.Min(left, memory.Length)], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw Closed();
                }

                destination.Advance(read);
                left -= read;
            }
        }

        while (_end - _start < 2)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_buffer[_start] != (byte)'\r' || _buffer[_start + 1] != (byte)'\n')
        {
            throw new ProtocolViolationException("a value is not followed by \\r\\n: its size and its data disagree.");
        }

        _start += 2;
    }

    /// <summary>Reads the header bytes of a value into <paramref name="destination"/> (all of them).</summary>
    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var copied = 0;
        while (copied < destination.Length)
        {
            if (_end == _start)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(destination.Length - copied, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(destination.Span[copied..]);
            _start += take;
            copied += take;
        }
    }

    internal static MetaReply Parse(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is < 0x20 or > 0x7E)
            {
                throw new ProtocolViolationException("a reply line holds a byte that is not printable ASCII.");
            }
        }

        var text = Encoding.ASCII.GetString(line);
        if (text == "EN")
        {
            return new MetaReply(ReplyKind.Miss, 0, null, null, null, null, null);
        }

        if (text == "MN")
        {
            return new MetaReply(ReplyKind.Noop, 0, null, null, null, null, null);
        }

        if (text is "END" or "STORED" or "OK" or "ERROR")
        {
            var kind = text switch { "END" => ReplyKind.End, "STORED" => ReplyKind.Stored, "OK" => ReplyKind.Ok, _ => ReplyKind.Error };
            return new MetaReply(kind, 0, null, null, null, text, null);
        }

        if (text.StartsWith("CLIENT_ERROR", StringComparison.Ordinal) || text.StartsWith("SERVER_ERROR", StringComparison.Ordinal))
        {
            return new MetaReply(ReplyKind.Error, 0, null, null, null, text.Length > 160 ? text[..160] + "…" : text, null);
        }

        var tokens = text.Split(' ');
        if (tokens.Any(t => t.Length == 0))
        {
            throw new ProtocolViolationException($"a '{Code(tokens[0])}' reply has an empty token (two spaces, or a space at the end).");
        }

        if (tokens[0] == "STAT")
        {
            if (tokens.Length < 3)
            {
                throw new ProtocolViolationException("a STAT line has no value.");
            }

            return new MetaReply(ReplyKind.Stat, 0, null, null, null, string.Join(' ', tokens[2..]), tokens[1]);
        }

        ReplyKind meta;
        switch (tokens[0])
        {
            case "VA": meta = ReplyKind.Value; break;
            case "HD": meta = ReplyKind.Success; break;
            case "EN": meta = ReplyKind.Miss; break;
            case "NF": meta = ReplyKind.NotFound; break;
            case "NS": meta = ReplyKind.NotStored; break;
            case "EX": meta = ReplyKind.Exists; break;
            default: throw new ProtocolViolationException($"the reply '{Code(tokens[0])}' is not one of the meta protocol.");
        }

        var first = 1;
        var size = 0;
        if (meta == ReplyKind.Value)
        {
            if (tokens.Length < 2 || !IsDigits(tokens[1]) || !int.TryParse(tokens[1], NumberStyles.None, CultureInfo.InvariantCulture, out size) || size > MaxValueSize)
            {
                throw new ProtocolViolationException($"a VA reply's size is not a number from 0 to {MaxValueSize}.");
            }

            first = 2;
        }

        long? opaque = null;
        uint? flags = null;
        long? ttl = null;
        for (var i = first; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var argument = token.AsSpan(1);
            switch (token[0])
            {
                case 'O':
                    opaque = IsDigits(argument) && long.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o
                        : throw new ProtocolViolationException($"a '{tokens[0]}' reply's opaque token is not a number.");
                    break;
                case 'f':
                    flags = IsDigits(argument) && uint.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f
                        : throw new ProtocolViolationException($"a '{tokens[0]}' reply's client flags are not a 32-bit number.");
                    break;
                case 't':
                    ttl = argument.SequenceEqual("-1") ? -1
                        : IsDigits(argument) && long.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t
                        : throw new ProtocolViolationException($"a '{tokens[0]}' reply's TTL is not a number.");
                    break;
                default:
                    if (!char.IsAsciiLetter(token[0]))
                    {
                        throw new ProtocolViolationException($"a '{tokens[0]}' reply has a flag that is not a letter.");
                    }

                    // A flag the store did not ask for is ignored (a newer server may add some).
                    break;
            }
        }

        return new MetaReply(meta, size, opaque, flags, ttl, null, null);
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 19)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A reply code for a message: two to twelve letters, else a description.</summary>
    private static string Code(string token) =>
        token.Length is > 0 and <= 12 && token.All(char.IsAsciiLetterUpper) ? token : "(not a code)";

    private async ValueTask FillAsync(CancellationToken cancellationToken)
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

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Closed();
        }

        _end += read;
    }

    private static IOException Closed() => new("the server closed the connection in the middle of a reply, or before it.");
}
