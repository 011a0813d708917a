using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Turns a cache key into a memcached key: memcached allows at most 250 bytes and no white space or control characters,
/// so every key is sent base64-encoded (the meta protocol's <c>b</c> flag), which any text survives. Keys whose UTF-8
/// bytes (with the prefix) fit are sent whole; longer ones as a marker byte and their SHA-256.
/// </summary>
/// <remarks>
/// The marker bytes 0xFE (the empty key), 0xFF (a hashed key) and 0xFD (a copy held for a server that is down) never
/// occur in UTF-8, so such a key can never be mistaken for a short one. The base64 text of 186 bytes is 248 characters, under memcached's 250.
/// </remarks>
internal static class KeyEncoder
{
    /// <summary>The longest key, in UTF-8 bytes, that is sent as it is (base64 of 186 bytes is 248 characters).</summary>
    public const int MaxRawBytes = 186;

    public const byte EmptyMarker = 0xFE;

    public const byte HashedMarker = 0xFF;

    /// <summary>The raw bytes memcached keeps for the key (what the <c>b</c> flag decodes to).</summary>
    public static byte[] Raw(string prefix, string key)
    {
        var length = Encoding.UTF8.GetByteCount(prefix) + Encoding.UTF8.GetByteCount(key);
        if (length == 0)
        {
            return [EmptyMarker];
        }

        var bytes = new byte[length];
        var written = Encoding.UTF8.GetBytes(prefix, bytes);
        Encoding.UTF8.GetBytes(key, bytes.AsSpan(written));
        if (length <= MaxRawBytes)
        {
            return bytes;
        }

        var hashed = new byte[1 + SHA256.HashSizeInBytes];
        hashed[0] = HashedMarker;
        SHA256.HashData(bytes, hashed.AsSpan(1));
        return hashed;
    }

    public const byte FailoverMarker = 0xFD;

    /// <summary>
    /// The key under which another server holds a copy of <paramref name="raw"/> while its own server is down, in the
    /// outage <paramref name="epoch"/> names: a marker byte (never in UTF-8) and the SHA-256 of both.
    /// </summary>
    public static byte[] Failover(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> epoch)
    {
        var hashed = new byte[1 + SHA256.HashSizeInBytes];
        hashed[0] = FailoverMarker;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(epoch);
        hash.AppendData(raw);
        hash.GetHashAndReset(hashed.AsSpan(1));
        return hashed;
    }

    /// <summary>The key as sent on the wire: base64 (ASCII) of <see cref="Raw"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> raw)
    {
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(raw.Length)];
        Base64.EncodeToUtf8(raw, encoded, out _, out var written);
        return written == encoded.Length ? encoded : encoded[..written];
    }
}
