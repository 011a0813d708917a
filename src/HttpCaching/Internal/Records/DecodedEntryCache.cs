using System.Runtime.CompilerServices;

namespace HttpCaching.Internal;

/// <summary>
/// Decodes each entry record once. Stores that keep records in process memory return the same array on every read, so
/// the decoded entry (and the key of its body) is found again by the array's identity; any other array is decoded
/// afresh. Entries live exactly as long as the arrays they were decoded from.
/// </summary>
internal static class DecodedEntryCache
{
    private static readonly ConditionalWeakTable<byte[], DecodedEntry> Decoded = [];

    /// <summary>The decoded entry, or <see langword="null"/> when the record does not parse.</summary>
    public static DecodedEntry? Get(byte[] record, string prefix, string clientName, string requestHash)
    {
        if (Decoded.TryGetValue(record, out var decoded)
            && string.Equals(decoded.RequestHash, requestHash, StringComparison.Ordinal)
            && string.Equals(decoded.ClientName, clientName, StringComparison.Ordinal)
            && string.Equals(decoded.Prefix, prefix, StringComparison.Ordinal))
        {
            return decoded;
        }

        var entry = CacheEntrySerializer.TryDeserialize(record);
        if (entry is null)
        {
            return null;
        }

        decoded = new DecodedEntry(entry, prefix, clientName, requestHash, CacheKeyBuilder.BodyKey(prefix, clientName, requestHash, entry.VersionId));
        Decoded.AddOrUpdate(record, decoded);
        return decoded;
    }

    /// <summary>
    /// Encodes an entry this instance is about to write, and keeps it decoded for that record: a store that keeps
    /// records in process memory (or the near cache) returns the very array on the next read, which then costs no
    /// decoding.
    /// </summary>
    public static byte[] Encode(CacheEntry entry, string prefix, string clientName, string requestHash)
    {
        var record = CacheEntrySerializer.Serialize(entry);
        Decoded.AddOrUpdate(record, new DecodedEntry(entry, prefix, clientName, requestHash, CacheKeyBuilder.BodyKey(prefix, clientName, requestHash, entry.VersionId)));
        return record;
    }

    /// <summary>
    /// Forgets the decoded entry of a record a store has just replaced. The table would drop it only when it next grows,
    /// and until then each garbage collection walks its handle: a 304 per request left thousands of them, and gen0 pauses
    /// of 8–17 ms.
    /// </summary>
    public static void Forget(byte[] record) => Decoded.Remove(record);
}
