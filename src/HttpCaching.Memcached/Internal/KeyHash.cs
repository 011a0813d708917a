using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// How a key appears in the store's messages: <c>#</c> and the first 12 hex digits of the SHA-256 of its UTF-8 bytes,
/// enough to tell keys apart in logs and to find one whose text is known, never enough to read it back.
/// </summary>
internal static class KeyHash
{
    private const int StackLimit = 256;

    public static string Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var rented = length <= StackLimit ? null : ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(key, bytes);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], hash);
            return "#" + Convert.ToHexStringLower(hash[..6]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
