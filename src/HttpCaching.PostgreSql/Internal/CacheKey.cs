using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// A store key as the table holds it: the key text itself, for operators, and the SHA-256 of its UTF-8 bytes as the
/// primary key, so keys of any length (PostgreSQL's btree entries are limited to about 2.7 kB) index in 32 bytes.
/// Reads and deletes match on both, so even a hash collision could not return another key's value.
/// </summary>
internal readonly struct CacheKey
{
    private const int StackLimit = 256;

    /// <summary>The encoding Npgsql sends text with: it rejects unpaired surrogates instead of replacing them.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private CacheKey(string text, byte[] hash)
    {
        Text = text;
        Hash = hash;
    }

    public string Text { get; }

    public byte[] Hash { get; }

    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="key"/> holds U+0000, which PostgreSQL text cannot hold, or an unpaired surrogate.
    /// </exception>
    public static CacheKey From(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A PostgreSQL cache key cannot contain the character U+0000.", paramName);
        }

        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("A PostgreSQL cache key must be valid UTF-16 (it holds an unpaired surrogate).", paramName, ex);
        }

        var rented = byteCount <= StackLimit ? null : ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[StackLimit];
            var written = StrictUtf8.GetBytes(key, bytes);
            return new CacheKey(key, SHA256.HashData(bytes[..written]));
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
