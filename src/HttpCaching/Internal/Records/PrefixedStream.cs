using System.Buffers;

namespace HttpCaching.Internal;

/// <summary>
/// A read-only stream that yields bytes already read from a response, then the rest of the response. Used to hand a
/// body that turned out too large to cache back to the caller without buffering it whole.
/// </summary>
internal sealed class PrefixedStream(byte[] rentedPrefix, int prefixLength, Stream rest, IDisposable owner) : Stream
{
    private byte[]? _prefix = rentedPrefix;
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryReadPrefix(buffer, out var read))
        {
            return read;
        }

        return rest.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryReadPrefix(buffer.Span, out var read))
        {
            return ValueTask.FromResult(read);
        }

        return rest.ReadAsync(buffer, cancellationToken);
    }

    private bool TryReadPrefix(Span<byte> buffer, out int read)
    {
        read = 0;
        if (_prefix is not null && _position == prefixLength)
        {
            ArrayPool<byte>.Shared.Return(_prefix);
            _prefix = null;
        }

        if (_prefix is null || buffer.IsEmpty)
        {
            return false;
        }

        read = Math.Min(buffer.Length, prefixLength - _position);
        _prefix.AsSpan(_position, read).CopyTo(buffer);
        _position += read;
        if (_position == prefixLength)
        {
            ArrayPool<byte>.Shared.Return(_prefix);
            _prefix = null;
        }

        return true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_prefix is not null)
            {
                ArrayPool<byte>.Shared.Return(_prefix);
                _prefix = null;
            }

            rest.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}
