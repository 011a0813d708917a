using System.Security.Cryptography;
using System.Text;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests.Internal;

public sealed class RecordProtectorTests
{
    private const string StoreKey = "httpcaching:test:b:hash:version";

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("HCR\0B\u0001 the stored response body, 0123456789");

    private static RecordProtector Signer(params byte[][] keys) => new(keys, encrypt: false);

    private static RecordProtector Encrypter(params byte[][] keys) => new(keys, encrypt: true);

    public static TheoryData<bool> Modes => new() { false, true };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Protect_ThenUnprotect_ReturnsThePayload(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);

        var record = protector.Protect(StoreKey, Payload);

        Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(StoreKey, record, out var payload));
        Assert.Equal(Payload, payload);
        Assert.Equal(Payload.Length + (encrypt ? RecordProtector.EncryptedOverhead : RecordProtector.SignedOverhead), record.Length);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Protect_EmptyPayloadAndLongStoreKey_RoundTrip(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);
        var longKey = "httpcaching:" + new string('é', 2000);

        var empty = protector.Protect(StoreKey, []);
        var underLongKey = protector.Protect(longKey, Payload);

        Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(StoreKey, empty, out var emptyPayload));
        Assert.Empty(emptyPayload!);
        Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(longKey, underLongKey, out var payload));
        Assert.Equal(Payload, payload);
        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect(longKey + "x", underLongKey, out _));
    }

    [Theory]
    [InlineData(false, (byte)'S')]
    [InlineData(true, (byte)'E')]
    public void Protect_WritesTheHeader(bool encrypt, byte mode)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);

        var record = protector.Protect(StoreKey, Payload);

        Assert.Equal("HCP\0"u8.ToArray(), record[..4]);
        Assert.Equal(RecordProtector.Version, record[4]);
        Assert.Equal(mode, record[5]);
        Assert.Equal(protector.CurrentKeyId.ToArray(), record[6..10]);
        Assert.Equal(10, RecordProtector.HeaderLength);
    }

    [Fact]
    public void Protect_Signed_TagIsHmacOverHeaderAndPayloadUnderAKeyBoundToTheStoreKey()
    {
        var record = Signer(IntegrityKeys.ABytes).Protect(StoreKey, Payload);

        // An independent reading of the documented format.
        var macKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, IntegrityKeys.ABytes, 32, [], "HttpCaching record MAC v1"u8.ToArray());
        var keyId = HKDF.DeriveKey(HashAlgorithmName.SHA256, IntegrityKeys.ABytes, 4, [], "HttpCaching key id v1"u8.ToArray());
        var header = record[..10];
        var context = header.Concat(Encoding.UTF8.GetBytes(StoreKey)).ToArray();
        var recordKey = HMACSHA256.HashData(macKey, context);
        var expectedTag = HMACSHA256.HashData(recordKey, header.Concat(Payload).ToArray());

        Assert.Equal(keyId, record[6..10]);
        Assert.Equal(Payload, record[10..^32]);
        Assert.Equal(expectedTag, record[^32..]);
    }

    [Fact]
    public void Protect_Encrypted_IsAesGcmWithTheHeaderAndStoreKeyAsAssociatedData()
    {
        var record = Encrypter(IntegrityKeys.ABytes).Protect(StoreKey, Payload);

        var encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, IntegrityKeys.ABytes, 32, [], "HttpCaching record encryption v1"u8.ToArray());
        var context = record[..10].Concat(Encoding.UTF8.GetBytes(StoreKey)).ToArray();
        var plaintext = new byte[record.Length - RecordProtector.EncryptedOverhead];
        using var aes = new AesGcm(encryptionKey, 16);
        aes.Decrypt(record[10..22], record[22..^16], record[^16..], plaintext, context);

        Assert.Equal(Payload, plaintext);
    }

    [Fact]
    public void Protect_Encrypted_UsesAFreshNonceAndHidesThePayload()
    {
        var protector = Encrypter(IntegrityKeys.ABytes);

        var first = protector.Protect(StoreKey, Payload);
        var second = protector.Protect(StoreKey, Payload);

        Assert.NotEqual(first[10..22], second[10..22]);
        Assert.NotEqual(first, second);
        Assert.False(IntegrityKeys.ContainsText(first, "the stored response body"));
        Assert.False(first.AsSpan().IndexOf("HCR\0"u8) >= 0);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void TryUnprotect_AnyFlippedBit_IsRefused(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);
        var record = protector.Protect(StoreKey, Payload);

        for (var i = 0; i < record.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var altered = (byte[])record.Clone();
                altered[i] ^= (byte)(1 << bit);

                var failure = protector.TryUnprotect(StoreKey, altered, out var payload);

                Assert.NotEqual(IntegrityFailure.None, failure);
                Assert.Null(payload);
                var expected = i switch
                {
                    < 4 => IntegrityFailure.Unprotected,
                    < 6 => IntegrityFailure.Malformed,
                    < 10 => IntegrityFailure.UnknownKey,
                    _ => IntegrityFailure.InvalidTag,
                };
                Assert.Equal(expected, failure);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void TryUnprotect_TruncatedOrExtended_IsRefused(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);
        var record = protector.Protect(StoreKey, Payload);

        for (var length = 0; length < record.Length; length++)
        {
            Assert.NotEqual(IntegrityFailure.None, protector.TryUnprotect(StoreKey, record.AsSpan(0, length), out var payload));
            Assert.Null(payload);
        }

        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect(StoreKey, [.. record, 0], out _));
        Assert.Equal(IntegrityFailure.Malformed, protector.TryUnprotect(StoreKey, record.AsSpan(0, 9), out _));
        Assert.Equal(IntegrityFailure.Unprotected, protector.TryUnprotect(StoreKey, record.AsSpan(0, 3), out _));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void TryUnprotect_UnderAnotherStoreKey_IsRefused(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);
        var record = protector.Protect(StoreKey, Payload);

        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect(StoreKey + "x", record, out _));
        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect(StoreKey[..^1], record, out _));
        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect("httpcaching:test:e:hash", record, out _));
    }

    [Fact]
    public void TryUnprotect_SignedPayloadShiftedIntoTheStoreKey_IsRefused()
    {
        // Moving bytes between the payload and the store key must not keep the tag valid.
        var protector = Signer(IntegrityKeys.ABytes);
        var record = protector.Protect("k", "xy"u8);
        var shifted = record[..10].Concat("xyk"u8.ToArray()).Concat(record[^32..]).ToArray();

        Assert.Equal(IntegrityFailure.InvalidTag, protector.TryUnprotect("", shifted, out _));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void TryUnprotect_OtherKey_IsUnknownKey(bool encrypt)
    {
        var record = new RecordProtector([IntegrityKeys.ABytes], encrypt).Protect(StoreKey, Payload);

        Assert.Equal(IntegrityFailure.UnknownKey, Signer(IntegrityKeys.BBytes).TryUnprotect(StoreKey, record, out var payload));
        Assert.Null(payload);
    }

    [Fact]
    public void TryUnprotect_ModeSwitch_ReadsRecordsOfEitherMode()
    {
        var signed = Signer(IntegrityKeys.ABytes).Protect(StoreKey, Payload);
        var encrypted = Encrypter(IntegrityKeys.ABytes).Protect(StoreKey, Payload);

        Assert.Equal(IntegrityFailure.None, Encrypter(IntegrityKeys.ABytes).TryUnprotect(StoreKey, signed, out var fromSigned));
        Assert.Equal(IntegrityFailure.None, Signer(IntegrityKeys.ABytes).TryUnprotect(StoreKey, encrypted, out var fromEncrypted));
        Assert.Equal(Payload, fromSigned);
        Assert.Equal(Payload, fromEncrypted);
    }

    [Fact]
    public void TryUnprotect_ModeByteSwapped_IsRefused()
    {
        var signed = Signer(IntegrityKeys.ABytes).Protect(StoreKey, Payload);
        signed[5] = RecordProtector.EncryptedMode;
        var encrypted = Encrypter(IntegrityKeys.ABytes).Protect(StoreKey, Payload);
        encrypted[5] = RecordProtector.SignedMode;

        Assert.Equal(IntegrityFailure.InvalidTag, Signer(IntegrityKeys.ABytes).TryUnprotect(StoreKey, signed, out _));
        Assert.Equal(IntegrityFailure.InvalidTag, Signer(IntegrityKeys.ABytes).TryUnprotect(StoreKey, encrypted, out _));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void KeyRotation_OldKeyVerifiesNewKeySigns_RemovedKeyIsUnknown(bool encrypt)
    {
        var old = new RecordProtector([IntegrityKeys.ABytes], encrypt).Protect(StoreKey, Payload);
        var rotating = new RecordProtector([IntegrityKeys.BBytes, IntegrityKeys.ABytes], encrypt);
        var rotated = new RecordProtector([IntegrityKeys.BBytes], encrypt);

        var fresh = rotating.Protect(StoreKey, Payload);

        Assert.Equal(IntegrityFailure.None, rotating.TryUnprotect(StoreKey, old, out var oldPayload));
        Assert.Equal(Payload, oldPayload);
        Assert.Equal(rotated.CurrentKeyId.ToArray(), fresh[6..10]);
        Assert.Equal(IntegrityFailure.None, rotated.TryUnprotect(StoreKey, fresh, out _));
        Assert.Equal(IntegrityFailure.UnknownKey, rotated.TryUnprotect(StoreKey, old, out _));
    }

    [Fact]
    public void TryUnprotect_UnprotectedRecord_IsUnprotected()
    {
        var protector = Signer(IntegrityKeys.ABytes);

        Assert.Equal(IntegrityFailure.Unprotected, protector.TryUnprotect(StoreKey, Payload, out var payload));
        Assert.Null(payload);
        Assert.Equal(IntegrityFailure.Unprotected, protector.TryUnprotect(StoreKey, [], out _));
    }

    [Theory]
    [InlineData(2)]
    [InlineData((byte)'X')]
    public void TryUnprotect_UnknownVersionOrMode_IsMalformed(byte value)
    {
        var protector = Signer(IntegrityKeys.ABytes);
        var otherVersion = protector.Protect(StoreKey, Payload);
        otherVersion[4] = value;
        var otherMode = protector.Protect(StoreKey, Payload);
        otherMode[5] = value;

        Assert.Equal(IntegrityFailure.Malformed, protector.TryUnprotect(StoreKey, otherVersion, out _));
        Assert.Equal(IntegrityFailure.Malformed, protector.TryUnprotect(StoreKey, otherMode, out _));
    }

    [Fact]
    public void TryUnprotect_SameKeyTwice_StillVerifies()
    {
        var protector = Signer(IntegrityKeys.ABytes, IntegrityKeys.ABytes);

        Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(StoreKey, protector.Protect(StoreKey, Payload), out _));
    }

    [Fact]
    public void KeyId_IsDerivedAndRevealsNothingOfTheKey()
    {
        var a = Signer(IntegrityKeys.ABytes).CurrentKeyId.ToArray();
        var b = Signer(IntegrityKeys.BBytes).CurrentKeyId.ToArray();

        Assert.Equal(ProtectionKey.IdLength, a.Length);
        Assert.NotEqual(a, b);
        Assert.NotEqual(IntegrityKeys.ABytes[..4], a);
        Assert.NotEqual(SHA256.HashData(IntegrityKeys.ABytes)[..4], a);
    }

    [Fact]
    public async Task Protect_Concurrently_EveryRecordRoundTrips()
    {
        var protector = Encrypter(IntegrityKeys.ABytes);

        await Parallel.ForAsync(0, 2000, TestContext.Current.CancellationToken, (i, _) =>
        {
            var payload = Encoding.UTF8.GetBytes($"payload {i}");
            var key = $"{StoreKey}:{i}";
            var record = protector.Protect(key, payload);
            Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(key, record, out var opened));
            Assert.Equal(payload, opened);
            return ValueTask.CompletedTask;
        });
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ProtectAndUnprotect_AllocateOnlyTheReturnedArray(bool encrypt)
    {
        var protector = new RecordProtector([IntegrityKeys.ABytes], encrypt);
        var payload = new byte[4096];
        var record = protector.Protect(StoreKey, payload);
        protector.TryUnprotect(StoreKey, record, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        record = protector.Protect(StoreKey, payload);
        var afterProtect = GC.GetAllocatedBytesForCurrentThread();
        protector.TryUnprotect(StoreKey, record, out var opened);
        var afterUnprotect = GC.GetAllocatedBytesForCurrentThread();

        // An array costs its length plus a small header.
        Assert.InRange(afterProtect - before, record.Length, record.Length + 64);
        Assert.InRange(afterUnprotect - afterProtect, opened!.Length, opened.Length + 64);
    }

    [Fact]
    public void Constructor_NoKeys_Throws() =>
        Assert.Throws<ArgumentException>(() => new RecordProtector([], encrypt: false));

    [Fact]
    public void Create_NoKeys_ReturnsNull() =>
        Assert.Null(RecordProtector.Create(new HttpCachingIntegrityOptions { Encrypt = false }));

    [Fact]
    public void Create_KeysInOrder_FirstSigns()
    {
        var options = new HttpCachingIntegrityOptions { Encrypt = true };
        options.Keys.Add(IntegrityKeys.B);
        options.Keys.Add(IntegrityKeys.A);

        var protector = RecordProtector.Create(options)!;

        Assert.True(protector.Encrypts);
        Assert.Equal(Signer(IntegrityKeys.BBytes).CurrentKeyId.ToArray(), protector.CurrentKeyId.ToArray());
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")]
    [InlineData("")]
    public void Create_InvalidKey_ThrowsWithoutQuotingIt(string key)
    {
        var options = new HttpCachingIntegrityOptions();
        options.Keys.Add(IntegrityKeys.A);
        options.Keys.Add(key);

        var exception = Assert.Throws<InvalidOperationException>(() => RecordProtector.Create(options));

        Assert.Contains("HttpCaching:Store:Integrity:Keys:1", exception.Message, StringComparison.Ordinal);
        if (key.Length > 0)
        {
            Assert.DoesNotContain(key, exception.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(IntegrityKeys.A, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("@@@@", null)]
    [InlineData("AQID", new byte[] { 1, 2, 3 })]
    [InlineData("AQI=", new byte[] { 1, 2 })]
    [InlineData(" AQID ", new byte[] { 1, 2, 3 })]
    public void DecodeKey_ReturnsTheBytesOrNull(string? key, byte[]? expected) =>
        Assert.Equal(expected, RecordProtector.DecodeKey(key));
}
