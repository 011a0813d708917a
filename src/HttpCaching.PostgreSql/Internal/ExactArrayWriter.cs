using System.Buffers;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// A buffer writer for a value whose whole length is asked for up front: the first request allocates an array of
/// exactly that size, so a plain <c>Get</c> costs one array, as <c>GetFieldValue&lt;byte[]&gt;</c> would.
/// </summary>
internal sealed class ExactArrayWriter : IBufferWriter<byte>
{
    private byte[]? _array;
    private int _written;

    /// <summary>The value written; empty when nothing was asked for.</summary>
    public byte[] Array => _array ?? [];

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _array ??= new byte[sizeHint];
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
