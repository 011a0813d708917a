using System.Buffers.Binary;
using CsCheck;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// Property-based tests of the record readers: whatever bytes the store hands back, reading them gives a miss or a
/// valid record, never an exception; a valid record with a byte changed is always a miss.
/// </summary>
public sealed class RecordReaderPropertyTests
{
    private const long Iterations = 1_000;
    private const string StoreKey = "httpcaching:test:e:0123456789abcdef";

    /// <summary>Whole UTF-16 text (it round-trips through UTF-8), mostly printable, sometimes control characters.</summary>
    private static readonly Gen<string> Text =
        Gen.Frequency((4, Gen.Char['\u0020', '\u007E']), (1, Gen.Char['\u0000', '\uD7FF'])).Array[0, 24].Select(chars => new string(chars));

    private static readonly Gen<string?> OptionalText = Gen.Frequency((1, Gen.Const((string?)null)), (3, Text.Select(t => (string?)t)));

    private static readonly Gen<CachedHeader[]> Headers =
        Gen.Select(Text, Text.Array[0, 4], (name, values) => new CachedHeader(name, values)).Array[0, 6];

    private static readonly Gen<long> Ticks = Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks];

    /// <summary>Any entry the serializer can write.</summary>
    private static readonly Gen<CacheEntry> AnyEntry =
        from status in Gen.Int[100, 999]
        from reason in OptionalText.Where(r => r is null || r.AsSpan().IndexOfAny('\r', '\n', '\0') < 0)
        from version in Gen.Select(Gen.Byte, Gen.Byte, (major, minor) => new Version(major, minor))
        from times in Gen.Select(Ticks, Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue], Ticks)
        from flags in Gen.Int
        from heuristic in Gen.Bool
        from windows in Gen.Select(Gen.Long, Gen.Long)
        from validators in Gen.Select(OptionalText, OptionalText, Text)
        from bodyLength in Gen.Int[0, RecordLimits.MaxBodyLength]
        from headers in Gen.Select(Headers, Headers)
        select new CacheEntry
        {
            StatusCode = status,
            ReasonPhrase = reason,
            HttpVersion = version,
            ResponseTime = new DateTimeOffset(times.Item1, TimeSpan.Zero),
            CorrectedInitialAge = TimeSpan.FromTicks(times.Item2),
            FreshnessLifetime = TimeSpan.FromTicks(times.Item3),
            RetryAfter = new DateTimeOffset(times.Item4, TimeSpan.Zero),
            Flags = (CacheControlFlags)flags,
            HeuristicFreshness = heuristic,
            StaleWhileRevalidate = windows.Item1,
            StaleIfError = windows.Item2,
            ETag = validators.Item1,
            LastModified = validators.Item2,
            VersionId = validators.Item3,
            BodyLength = bodyLength,
            BodyChecksum = unchecked((uint)bodyLength * 2654435761u),
            Headers = headers.Item1,
            ContentHeaders = headers.Item2,
        };

    /// <summary>
    /// A change to a record: flip bytes, cut it short, add bytes, or write an extreme 32-bit value (a length or count)
    /// somewhere; then perhaps write a correct checksum, so that what follows the checksum test is reached too.
    /// </summary>
    private static readonly Gen<(int Kind, int[] Positions, byte[] Bytes, bool Reseal)> Mutation = Gen.Select(
        Gen.Int[0, 3],
        Gen.Int[0, int.MaxValue].Array[1, 4],
        Gen.Byte[1, 255].Array[1, 8],
        Gen.Bool);

    private static readonly int[] Extremes = [0, -1, 1, int.MaxValue, int.MinValue, 4096, 4097, 65];

    /// <summary>An entry with the given validators, for the conditional-request properties.</summary>
    internal static CacheEntry Entry(string? etag, string? lastModified) => new()
    {
        StatusCode = 200,
        HttpVersion = new Version(1, 1),
        ResponseTime = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero),
        CorrectedInitialAge = TimeSpan.Zero,
        FreshnessLifetime = TimeSpan.FromMinutes(5),
        Flags = CacheControlFlags.None,
        ETag = etag,
        LastModified = lastModified,
        VersionId = "v",
        BodyLength = 0,
        BodyChecksum = 0,
        Headers = [],
        ContentHeaders = [],
    };

    // ----- Entry records -----

    [Fact]
    public void CacheEntrySerializer_AnyEntry_RoundTrips()
    {
        AnyEntry.Sample(entry =>
        {
            var record = CacheEntrySerializer.Serialize(entry);
            var read = CacheEntrySerializer.TryDeserialize(record);

            Assert.NotNull(read);
            Assert.Equal(record, CacheEntrySerializer.Serialize(read));
            Assert.Equal(entry.Headers.Select(h => h.Name), read.Headers.Select(h => h.Name));
        }, iter: Iterations);
    }

    [Fact]
    public void CacheEntrySerializerTryDeserialize_AnyBytes_IsMissOrValidRecord()
    {
        Gen.Select(Gen.Byte.Array[0, 400], Gen.Bool).Sample((bytes, framed) =>
        {
            var record = framed ? Framed(RecordFormat.EntryKind, bytes) : bytes;
            AssertMissOrValid(CacheEntrySerializer.TryDeserialize(record));
            AssertMissOrValid(DecodedEntryCache.Get(new HeldRecord(record), "p:", "c", Guid.NewGuid().ToString("N"))?.Entry);
        }, iter: Iterations);
    }

    [Fact]
    public void CacheEntrySerializerTryDeserialize_MutatedRecord_IsMissOrValidRecord()
    {
        Gen.Select(AnyEntry, Mutation).Sample((entry, mutation) =>
        {
            var original = CacheEntrySerializer.Serialize(entry);
            var record = Mutate(original, mutation);
            var read = CacheEntrySerializer.TryDeserialize(record);

            AssertMissOrValid(read);
            AssertMissOrValid(DecodedEntryCache.Get(new HeldRecord(record), "p:", "c", Guid.NewGuid().ToString("N"))?.Entry);
            if (!mutation.Reseal && IsOneByteChange(original, record))
            {
                Assert.Null(read);
            }
        }, iter: Iterations);
    }

    // ----- Vary records -----

    [Fact]
    public void VariantsTryDeserialize_AnyBytes_IsMissOrNames()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Bool).Sample((bytes, framed) =>
        {
            var names = Variants.TryDeserialize(framed ? Framed(RecordFormat.VaryKind, bytes) : bytes);
            Assert.True(names is null || names is { Length: > 0 and <= 64 });
        }, iter: Iterations);
    }

    [Fact]
    public void VariantsTryDeserialize_MutatedRecord_IsMissOrNames()
    {
        Gen.Select(Text.Where(t => t.Length > 0).Array[1, 10], Mutation).Sample((names, mutation) =>
        {
            var original = Variants.Serialize(names);
            var record = Mutate(original, mutation);
            var read = Variants.TryDeserialize(record);

            Assert.True(read is null || read is { Length: > 0 and <= 64 });
            if (!mutation.Reseal && IsOneByteChange(original, record))
            {
                Assert.Null(read);
            }
        }, iter: Iterations);
    }

    // ----- Body records -----

    [Fact]
    public void BodyRecordIsValid_AnyBytesAndLength_NeverThrows()
    {
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Int).Sample((bytes, expectedLength) =>
        {
            var valid = BodyRecord.IsValid(new HeldRecord(bytes), expectedLength, bytes.Length >= RecordFormat.BodyHeaderLength ? BodyRecord.Checksum(bytes) : 0);
            Assert.True(!valid || bytes.Length == RecordFormat.BodyHeaderLength + expectedLength);
        }, iter: Iterations);
    }

    [Fact]
    public void BodyRecordIsValid_ChangedRecord_IsFalse()
    {
        Gen.Select(Gen.Byte.Array[0, 200], Mutation, Gen.Int[-2, 2]).Sample((body, mutation, lengthError) =>
        {
            var original = BodyRecord.Allocate(body.Length);
            body.CopyTo(original, RecordFormat.BodyHeaderLength);
            BodyRecord.Seal(original);
            var checksum = BodyRecord.Checksum(original);
            Assert.True(BodyRecord.IsValid(new HeldRecord(original), body.Length, checksum));
            Assert.Equal(lengthError == 0, BodyRecord.IsValid(new HeldRecord(original), body.Length + lengthError, checksum));

            // A body record carries no re-sealable checksum of its whole: any one changed byte is caught.
            var record = Mutate(original, mutation with { Reseal = false });
            var valid = BodyRecord.IsValid(new HeldRecord(record), body.Length, checksum);
            if (IsOneByteChange(original, record) || record.Length != original.Length)
            {
                Assert.False(valid);
            }
        }, iter: Iterations);
    }

    // ----- Integrity envelopes -----

    [Fact]
    public void RecordProtectorTryUnprotect_AnyBytes_IsRefused()
    {
        var protectors = new[] { new RecordProtector([IntegrityKeys.ABytes], encrypt: false), new RecordProtector([IntegrityKeys.ABytes], encrypt: true) };
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 2], Gen.Bool).Sample((bytes, framing, encrypted) =>
        {
            var protector = protectors[encrypted ? 1 : 0];

            // Framed: a genuine header of this key, so the tag check itself is reached.
            var record = framing switch
            {
                0 => bytes,
                1 => [.. protector.Protect(StoreKey, [])[..RecordProtector.HeaderLength], .. bytes],
                _ => [.. RecordProtector.Magic, .. bytes],
            };

            Assert.NotEqual(IntegrityFailure.None, protector.TryUnprotect(StoreKey, record, out var payload));
            Assert.Null(payload);
        }, iter: Iterations);
    }

    [Fact]
    public void RecordProtectorTryUnprotect_ChangedRecord_IsRefused()
    {
        var protectors = new[] { new RecordProtector([IntegrityKeys.ABytes], encrypt: false), new RecordProtector([IntegrityKeys.ABytes], encrypt: true) };
        Gen.Select(Gen.Byte.Array[0, 200], Mutation, Gen.Bool).Sample((payload, mutation, encrypted) =>
        {
            var protector = protectors[encrypted ? 1 : 0];
            var original = protector.Protect(StoreKey, payload);
            Assert.Equal(IntegrityFailure.None, protector.TryUnprotect(StoreKey, original, out _));
            Assert.NotEqual(IntegrityFailure.None, protector.TryUnprotect(StoreKey + ":other", original, out _));

            var record = Mutate(original, mutation with { Reseal = false });
            if (!record.AsSpan().SequenceEqual(original))
            {
                Assert.NotEqual(IntegrityFailure.None, protector.TryUnprotect(StoreKey, record, out var read));
                Assert.Null(read);
            }
        }, iter: Iterations);
    }

    /// <summary>A record of <paramref name="kind"/>: the preamble, <paramref name="contents"/>, then their correct checksum.</summary>
    private static byte[] Framed(byte kind, byte[] contents)
    {
        var record = new byte[RecordFormat.PreambleLength + contents.Length + RecordChecksum.Length];
        RecordFormat.WritePreamble(record, kind);
        contents.CopyTo(record, RecordFormat.PreambleLength);
        Reseal(record);
        return record;
    }

    private static void Reseal(byte[] record)
    {
        if (record.Length >= RecordChecksum.Length)
        {
            var data = record.AsSpan(0, record.Length - RecordChecksum.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(record.Length - RecordChecksum.Length), RecordChecksum.Compute(data));
        }
    }

    /// <summary>A changed copy of <paramref name="original"/> (never the array itself: checksums are remembered by identity).</summary>
    private static byte[] Mutate(byte[] original, (int Kind, int[] Positions, byte[] Bytes, bool Reseal) mutation)
    {
        var record = (byte[])original.Clone();
        switch (mutation.Kind)
        {
            case 0:
                for (var i = 0; i < mutation.Positions.Length; i++)
                {
                    record[mutation.Positions[i] % record.Length] ^= mutation.Bytes[i % mutation.Bytes.Length];
                }

                break;
            case 1:
                record = record[..(mutation.Positions[0] % record.Length)];
                break;
            case 2:
                record = [.. record, .. mutation.Bytes];
                break;
            default:
                if (record.Length >= 4)
                {
                    var at = mutation.Positions[0] % (record.Length - 3);
                    BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(at), Extremes[mutation.Bytes[0] % Extremes.Length]);
                }

                break;
        }

        if (mutation.Reseal)
        {
            Reseal(record);
        }

        return record;
    }

    private static bool IsOneByteChange(byte[] original, byte[] changed)
    {
        if (original.Length != changed.Length)
        {
            return false;
        }

        var differences = 0;
        for (var i = 0; i < original.Length; i++)
        {
            differences += original[i] != changed[i] ? 1 : 0;
        }

        return differences == 1;
    }

    /// <summary>A miss, or an entry whose fields are in range and which reads back as itself once written.</summary>
    private static void AssertMissOrValid(CacheEntry? entry)
    {
        if (entry is null)
        {
            return;
        }

        Assert.InRange(entry.StatusCode, 100, 999);
        Assert.True(entry.BodyLength >= 0 && entry.CorrectedInitialAge >= TimeSpan.Zero && entry.FreshnessLifetime >= TimeSpan.Zero);
        Assert.NotNull(entry.VersionId);
        var record = CacheEntrySerializer.Serialize(entry);
        var again = CacheEntrySerializer.TryDeserialize(record);
        Assert.NotNull(again);
        Assert.Equal(record, CacheEntrySerializer.Serialize(again));
    }
}
