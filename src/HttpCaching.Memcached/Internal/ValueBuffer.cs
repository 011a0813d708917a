using System.Buffers;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that ends as an array of exactly the value's size, pooled or not. It starts at
/// most <see cref="InitialCapacity"/> bytes long and grows as bytes are written, so the size a reply announces is only
/// ever allocated for bytes that arrived.
/// </summary>
internal sealed class ValueBuffer : IBufferWriter<byte>
{
    /// <summary>The most allocated before any byte is written: memcached's default item size limit.</summary>
    public const int InitialCapacity = 1024 * 1024;

    private readonly bool _pooled;
    private int _written;

    public ValueBuffer(int length, bool pooled)
    {
        _pooled = pooled && length > 0;
        Length = length;
        Array = Allocate(Math.Min(length, InitialCapacity));
    }

    /// <summary>The value's bytes, once all of them are written (for a pooled buffer, possibly longer than <see cref="Length"/>).</summary>
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

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return Array.AsMemory(_written, Math.Min(Array.Length, Length) - _written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return Array.AsSpan(_written, Math.Min(Array.Length, Length) - _written);
    }

    /// <summary>Gives a pooled array back; the buffer is not used after.</summary>
    public void Release()
    {
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(Array);
            Array = [];
        }
    }

    /// <summary>Room for <paramref name="sizeHint"/> more bytes (at least one), within <see cref="Length"/>: doubles, up to it.</summary>
    private void Reserve(int sizeHint)
    {
        var needed = _written + Math.Min(Math.Max(sizeHint, 1), Length - _written);
        if (needed <= Math.Min(Array.Length, Length))
        {
            return;
        }

        var capacity = (int)Math.Min(Length, Math.Max(needed, 2L * Array.Length));
        var grown = Allocate(capacity);
        Array.AsSpan(0, _written).CopyTo(grown);
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(Array);
        }

        Array = grown;
    }

    private byte[] Allocate(int capacity) => capacity == 0 ? [] : _pooled ? ArrayPool<byte>.Shared.Rent(capacity) : new byte[capacity];
}
