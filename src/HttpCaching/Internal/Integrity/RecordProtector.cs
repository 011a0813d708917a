using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// Wraps each stored record in an envelope that binds it to its store key, and unwraps it again after checking it.
/// </summary>
/// <remarks>
/// <para>
/// The header is 10 bytes: the magic <c>HCP\0</c>, the envelope version, the mode (<c>S</c> signed or <c>E</c>
/// encrypted) and the 4-byte id of the key. The context of a record is its header followed by its store key in UTF-8;
/// the fixed-length header keeps the two apart.
/// </para>
/// <list type="bullet">
/// <item><description>Signed: <c>header | payload | tag(32)</c>. The tag is HMAC-SHA256 over <c>header | payload</c>,
/// keyed with HMAC-SHA256(MAC key, context), so a record moved under another store key no longer verifies.</description></item>
/// <item><description>Encrypted: <c>header | nonce(12) | ciphertext | tag(16)</c>. AES-256-GCM with a random nonce and
/// the context as associated data.</description></item>
/// </list>
/// <para>
/// The first key protects new records; every key is tried that has the id a record names. Each call allocates only
/// the array it returns.
/// </para>
/// </remarks>
internal sealed class RecordProtector
{
    public const byte Version = 1;
    public const byte SignedMode = (byte)'S';
    public const byte EncryptedMode = (byte)'E';

    /// <summary>Magic (4) + version (1) + mode (1) + key id (4).</summary>
    public const int HeaderLength = 6 + ProtectionKey.IdLength;

    public const int MacLength = HMACSHA256.HashSizeInBytes;
    public const int NonceLength = 12;
    public const int GcmTagLength = 16;
    public const int SignedOverhead = HeaderLength + MacLength;
    public const int EncryptedOverhead = HeaderLength + NonceLength + GcmTagLength;

    private const int ModeOffset = 5;
    private const int KeyIdOffset = 6;
    private const int StackLimit = 512;

    private readonly ProtectionKey[] _keys;

    /// <param name="secrets">The decoded keys; the first protects new records.</param>
    /// <param name="encrypt">Whether new records are encrypted rather than only signed.</param>
    public RecordProtector(IEnumerable<byte[]> secrets, bool encrypt)
    {
        _keys = secrets.Select(s => new ProtectionKey(s)).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one key is needed.", nameof(secrets));
        }

        Encrypts = encrypt;
    }

    public static ReadOnlySpan<byte> Magic => "HCP\0"u8;

    /// <summary>Gets a value indicating whether new records are encrypted.</summary>
    public bool Encrypts { get; }

    /// <summary>The id written in the header of new records.</summary>
    public ReadOnlySpan<byte> CurrentKeyId => _keys[0].Id;

    /// <summary>
    /// The protector for <paramref name="options"/>, or <see langword="null"/> when no key is configured. The options
    /// have been validated; a key that does not decode fails without quoting it.
    /// </summary>
    public static RecordProtector? Create(HttpCachingIntegrityOptions options)
    {
        if (options.Keys.Count == 0)
        {
            return null;
        }

        var secrets = new List<byte[]>(options.Keys.Count);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var secret = DecodeKey(options.Keys[i]);
            if (secret is null || secret.Length < HttpCachingIntegrityOptions.MinimumKeyLength)
            {
                throw new InvalidOperationException($"{ConfigurationSections.IntegrityKeysPath}:{i} is not a base64 key of at least {HttpCachingIntegrityOptions.MinimumKeyLength} bytes.");
            }

            secrets.Add(secret);
        }

        return new RecordProtector(secrets, options.Encrypt);
    }

    /// <summary>The bytes of a configured key, or <see langword="null"/> when it is empty or not base64.</summary>
    public static byte[]? DecodeKey(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var buffer = new byte[key.Length * 3 / 4];
        return Convert.TryFromBase64String(key, buffer, out var written) ? buffer[..written] : null;
    }

    /// <summary>The envelope of <paramref name="payload"/> stored under <paramref name="storeKey"/>.</summary>
    public byte[] Protect(string storeKey, ReadOnlySpan<byte> payload)
    {
        var key = _keys[0];
        var mode = Encrypts ? EncryptedMode : SignedMode;
        var record = GC.AllocateUninitializedArray<byte>((Encrypts ? EncryptedOverhead : SignedOverhead) + payload.Length);
        WriteHeader(record, mode, key);

        var contextLength = HeaderLength + Encoding.UTF8.GetByteCount(storeKey);
        var rented = contextLength <= StackLimit ? null : ArrayPool<byte>.Shared.Rent(contextLength);
        try
        {
            var context = (rented ?? stackalloc byte[StackLimit])[..contextLength];
            WriteContext(context, record.AsSpan(0, HeaderLength), storeKey);
            if (Encrypts)
            {
                var nonce = record.AsSpan(HeaderLength, NonceLength);
                RandomNumberGenerator.Fill(nonce);
                var cipher = key.RentCipher();
                try
                {
                    cipher.Encrypt(
                        nonce,
                        payload,
                        record.AsSpan(HeaderLength + NonceLength, payload.Length),
                        record.AsSpan(HeaderLength + NonceLength + payload.Length, GcmTagLength),
                        context);
                }
                finally
                {
                    key.ReturnCipher(cipher);
                }
            }
            else
            {
                payload.CopyTo(record.AsSpan(HeaderLength));
                ComputeTag(key, context, record.AsSpan(0, HeaderLength + payload.Length), record.AsSpan(HeaderLength + payload.Length));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return record;
    }

    /// <summary>
    /// Checks the envelope of a record read under <paramref name="storeKey"/> and returns its payload, or says why the
    /// record is refused. Records in either mode are read, whatever <see cref="Encrypts"/> says.
    /// </summary>
    public IntegrityFailure TryUnprotect(string storeKey, ReadOnlySpan<byte> record, out byte[]? payload)
    {
        payload = null;
        if (record.Length < Magic.Length || !record[..Magic.Length].SequenceEqual(Magic))
        {
            return IntegrityFailure.Unprotected;
        }

        if (record.Length < HeaderLength || record[Magic.Length] != Version)
        {
            return IntegrityFailure.Malformed;
        }

        var mode = record[ModeOffset];
        var overhead = mode switch
        {
            SignedMode => SignedOverhead,
            EncryptedMode => EncryptedOverhead,
            _ => -1,
        };
        if (overhead < 0 || record.Length < overhead)
        {
            return IntegrityFailure.Malformed;
        }

        var keyId = record.Slice(KeyIdOffset, ProtectionKey.IdLength);
        var contextLength = HeaderLength + Encoding.UTF8.GetByteCount(storeKey);
        var rented = contextLength <= StackLimit ? null : ArrayPool<byte>.Shared.Rent(contextLength);
        try
        {
            var context = (rented ?? stackalloc byte[StackLimit])[..contextLength];
            WriteContext(context, record[..HeaderLength], storeKey);
            var failure = IntegrityFailure.UnknownKey;
            foreach (var key in _keys)
            {
                if (!keyId.SequenceEqual(key.Id))
                {
                    continue;
                }

                payload = mode == SignedMode ? Verify(key, context, record) : Decrypt(key, context, record);
                if (payload is not null)
                {
                    return IntegrityFailure.None;
                }

                failure = IntegrityFailure.InvalidTag;
            }

            return failure;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void WriteHeader(Span<byte> record, byte mode, ProtectionKey key)
    {
        Magic.CopyTo(record);
        record[Magic.Length] = Version;
        record[ModeOffset] = mode;
        key.Id.CopyTo(record[KeyIdOffset..]);
    }

    private static void WriteContext(Span<byte> context, ReadOnlySpan<byte> header, string storeKey)
    {
        header.CopyTo(context);
        Encoding.UTF8.GetBytes(storeKey, context[HeaderLength..]);
    }

    /// <summary>HMAC-SHA256 of <paramref name="signed"/> under a key bound to the record's context.</summary>
    private static void ComputeTag(ProtectionKey key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signed, Span<byte> tag)
    {
        Span<byte> recordKey = stackalloc byte[MacLength];
        HMACSHA256.HashData(key.MacKey, context, recordKey);
        HMACSHA256.HashData(recordKey, signed, tag);
        CryptographicOperations.ZeroMemory(recordKey);
    }

    private static byte[]? Verify(ProtectionKey key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> record)
    {
        var signed = record[..^MacLength];
        Span<byte> expected = stackalloc byte[MacLength];
        ComputeTag(key, context, signed, expected);
        return CryptographicOperations.FixedTimeEquals(expected, record[^MacLength..]) ? signed[HeaderLength..].ToArray() : null;
    }

    private static byte[]? Decrypt(ProtectionKey key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> record)
    {
        var payload = GC.AllocateUninitializedArray<byte>(record.Length - EncryptedOverhead);
        var cipher = key.RentCipher();
        try
        {
            cipher.Decrypt(
                record.Slice(HeaderLength, NonceLength),
                record.Slice(HeaderLength + NonceLength, payload.Length),
                record[^GcmTagLength..],
                payload,
                context);
            return payload;
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            key.ReturnCipher(cipher);
        }
    }
}
