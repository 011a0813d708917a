using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// The one place where store keys are built. A key is the configured prefix, the client name, a record kind and a
/// SHA-256 hash of the method and the normalised absolute URI, so no URL, query string or API key ever reaches the
/// store's key space. Body versions get a key of their own under the same URL hash.
/// </summary>
internal static class CacheKeyBuilder
{
    private const int VersionIdBytes = 16;

    /// <summary>
    /// The normalised absolute URI: lower-case scheme and host, no default port, no fragment, path and query as sent.
    /// </summary>
    public static string NormalizeUri(Uri uri) => NormalizeUri(uri, out _);

    /// <summary>
    /// <see cref="NormalizeUri(Uri)"/>; <paramref name="asWritten"/> tells that the URI was made with
    /// <c>DangerousDisablePathAndQueryCanonicalization</c>, so that the result is its text as written.
    /// </summary>
    public static string NormalizeUri(Uri uri, out bool asWritten)
    {
        try
        {
            asWritten = false;
            return uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);
        }
        catch (InvalidOperationException)
        {
            // A URI created with DangerousDisablePathAndQueryCanonicalization has no components: use it as written.
            asWritten = true;
            var original = uri.OriginalString;
            var fragment = original.IndexOf('#', StringComparison.Ordinal);
            return fragment < 0 ? original : original[..fragment];
        }
    }

    /// <summary>The base64url SHA-256 of <c>METHOD SP normalised-uri</c>.</summary>
    public static string HashRequest(string method, Uri uri) => HashRequest(method, NormalizeUri(uri));

    /// <summary>The base64url SHA-256 of <c>METHOD SP <paramref name="normalized"/></c>, a URI's <see cref="NormalizeUri(Uri)"/>.</summary>
    public static string HashRequest(string method, string normalized)
    {
        var length = method.Length + 1 + normalized.Length;
        var rented = length <= 512 ? null : ArrayPool<char>.Shared.Rent(length);
        try
        {
            Span<char> chars = rented ?? stackalloc char[length];
            method.AsSpan().CopyTo(chars);
            chars[method.Length] = ' ';
            normalized.AsSpan().CopyTo(chars[(method.Length + 1)..]);
            return HashToString(chars[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The key of the per-URL entry record: <c>{prefix}{client}:e:{hash}</c>.</summary>
    public static string EntryKey(string prefix, string clientName, string requestHash) =>
        string.Concat(prefix, clientName, ":e:", requestHash);

    /// <summary>
    /// The key of one variant's entry record, for a response that varies:
    /// <c>{prefix}{client}:e:{hash}:{generation}.{variantId}</c>, where the generation is the Vary record's.
    /// </summary>
    public static string VariantKey(string prefix, string clientName, string requestHash, string generation, string variantId) =>
        string.Concat(prefix, clientName, ":e:", requestHash, ":", generation, ".", variantId);

    /// <summary>
    /// The key of a URL's origin back-off record: <c>{prefix}{client}:r:{hash}</c>. It lives apart from the entry, so
    /// recording a back-off never rewrites an entry another instance may have replaced with a newer version.
    /// </summary>
    public static string BackoffKey(string prefix, string clientName, string requestHash) =>
        string.Concat(prefix, clientName, ":r:", requestHash);

    /// <summary>The key of a body version record: <c>{prefix}{client}:b:{hash}:{versionId}</c>.</summary>
    public static string BodyKey(string prefix, string clientName, string requestHash, string versionId) =>
        string.Concat(prefix, clientName, ":b:", requestHash, ":", versionId);

    /// <summary>A version id from a strong entity tag: the same tag always names the same bytes (RFC 9110 §8.8.3).</summary>
    public static string VersionIdFromETag(string strongETag)
    {
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(strongETag)];
        bytes[0] = (byte)'T';
        Encoding.UTF8.GetBytes(strongETag, bytes.AsSpan(1));
        return VersionIdFromHash(SHA256.HashData(bytes));
    }

    /// <summary>
    /// A version id from the content itself, for responses without a strong entity tag. The hash input starts with a
    /// different byte than an entity tag's, so a body can never produce the id of a tag.
    /// </summary>
    public static string VersionIdFromContent(ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("C"u8);
        hash.AppendData(body);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return VersionIdFromHash(digest);
    }

    /// <summary>
    /// The version id of a representation within one variant of a response that varies: the same entity tag or body
    /// in two variants gives two ids, so each variant's body record is its own. The id ends with a tag of the variant
    /// (<c>.</c> and the CRC-32C of its id), so that an entry read under another variant's key (a store that mixed up
    /// keys, or cut them off past a length limit) is told apart (<see cref="IsOfVariant"/>): its body is another
    /// user's, perhaps, and intact.
    /// </summary>
    public static string VariantVersionId(string versionId, string variantId)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat("V", variantId, ":", versionId));
        Span<char> tag = stackalloc char[VariantTagLength];
        WriteVariantTag(variantId, tag);
        return string.Concat(VersionIdFromHash(SHA256.HashData(bytes)), ".", tag);
    }

    /// <summary>Whether <paramref name="versionId"/>, an entry's, is a version of the variant <paramref name="variantId"/>.</summary>
    public static bool IsOfVariant(string versionId, string variantId)
    {
        if (versionId.Length <= VariantTagLength || versionId[^(VariantTagLength + 1)] != '.')
        {
            return false;
        }

        Span<char> tag = stackalloc char[VariantTagLength];
        WriteVariantTag(variantId, tag);
        return versionId.AsSpan(versionId.Length - VariantTagLength).SequenceEqual(tag);
    }

    /// <summary>The characters of a variant tag: four bytes of CRC-32C in base64url.</summary>
    private const int VariantTagLength = 6;

    private static void WriteVariantTag(string variantId, Span<char> tag)
    {
        var byteCount = Encoding.UTF8.GetByteCount(variantId);
        var rented = byteCount <= 512 ? null : ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[byteCount];
            var written = Encoding.UTF8.GetBytes(variantId, bytes);
            Span<byte> crc = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, RecordChecksum.Compute(bytes[..written]));
            Base64Url.EncodeToChars(crc, tag);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string VersionIdFromHash(ReadOnlySpan<byte> hash) => Base64Url.EncodeToString(hash[..VersionIdBytes]);

    private static string HashToString(ReadOnlySpan<char> input)
    {
        var byteCount = Encoding.UTF8.GetByteCount(input);
        var rented = byteCount <= 1024 ? null : ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[byteCount];
            var written = Encoding.UTF8.GetBytes(input, bytes);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], hash);
            return Base64Url.EncodeToString(hash);
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
