using System.Buffers;

namespace HttpCaching.Memcached.Internal;

/// <summary>An <see cref="IBufferWriter{T}"/> over an array of exactly the value's size, pooled or not.</summary>
internal sealed class ValueBuffer : IBufferWriter<byte>
{
    private readonly bool _pooled;
    private int _written;

    public ValueBuffer(int length, bool pooled)
    {
        _pooled = pooled && length > 0;
        Length = length;
        Array = length == 0 ? [] : _pooled ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
    }

    public byte[] Array { get; private set; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    public void Advance(int count)
    {
        if (count < 0 || _written + count > Length)
        {
            throw new InvalidOperationException("More bytes were written than the value holds.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Array.AsMemory(_written, Length - _written);

    public Span<byte> GetSpan(int sizeHint = 0) => Array.AsSpan(_written, Length - _written);

    /// <summary>Gives a pooled array back; the buffer is not used after.</summary>
    public void Release()
    {
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(Array);
            Array = [];
        }
    }
}
