using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace HttpCaching.Internal;

/// <summary>
/// The keys derived with HKDF-SHA256 from one configured key: a MAC key, an AES-256-GCM key and a 4-byte id written in
/// each record's header, so a reader picks the right key at once. The id reveals nothing of the key. AES-GCM instances
/// are not safe for concurrent use, so a few are pooled. It lives as long as the service provider, like the
/// configuration that holds the key.
/// </summary>
internal sealed class ProtectionKey
{
    public const int IdLength = 4;

    private const int DerivedKeyLength = 32;

    private readonly byte[] _macKey;
    private readonly byte[] _encryptionKey;
    private readonly byte[] _id;
    private readonly ConcurrentQueue<AesGcm> _ciphers = new();
    private readonly int _maxPooledCiphers = Environment.ProcessorCount * 2;
    private int _pooledCiphers;

    public ProtectionKey(ReadOnlySpan<byte> secret)
    {
        _macKey = Derive(secret, DerivedKeyLength, "HttpCaching record MAC v1"u8);
        _encryptionKey = Derive(secret, DerivedKeyLength, "HttpCaching record encryption v1"u8);
        _id = Derive(secret, IdLength, "HttpCaching key id v1"u8);
    }

    /// <summary>The key id written in the header of every record this key protects.</summary>
    public ReadOnlySpan<byte> Id => _id;

    public ReadOnlySpan<byte> MacKey => _macKey;

    public AesGcm RentCipher() =>
        _ciphers.TryDequeue(out var cipher) ? Released(cipher) : new AesGcm(_encryptionKey, RecordProtector.GcmTagLength);

    public void ReturnCipher(AesGcm cipher)
    {
        if (Interlocked.Increment(ref _pooledCiphers) <= _maxPooledCiphers)
        {
            _ciphers.Enqueue(cipher);
        }
        else
        {
            Interlocked.Decrement(ref _pooledCiphers);
            cipher.Dispose();
        }
    }

    private AesGcm Released(AesGcm cipher)
    {
        Interlocked.Decrement(ref _pooledCiphers);
        return cipher;
    }

    private static byte[] Derive(ReadOnlySpan<byte> secret, int length, ReadOnlySpan<byte> info)
    {
        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, output, salt: default, info);
        return output;
    }
}
