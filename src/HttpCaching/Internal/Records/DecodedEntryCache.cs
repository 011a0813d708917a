namespace HttpCaching.Internal;

/// <summary>
/// Decodes each entry record once for as long as it is held: the decoded entry (and the key of its body) is kept on
/// the <see cref="HeldRecord"/>, which the in-memory stores keep the record in; a record read from a store out of
/// process comes in a new holder, and is decoded afresh.
/// </summary>
internal static class DecodedEntryCache
{
    /// <summary>The decoded entry, or <see langword="null"/> when the record does not parse.</summary>
    public static DecodedEntry? Get(HeldRecord record, string prefix, string clientName, string requestHash)
    {
        if (record.Decoded is { } decoded
            && string.Equals(decoded.RequestHash, requestHash, StringComparison.Ordinal)
            && string.Equals(decoded.ClientName, clientName, StringComparison.Ordinal)
            && string.Equals(decoded.Prefix, prefix, StringComparison.Ordinal))
        {
            return decoded;
        }

        if (CacheEntrySerializer.TryDeserialize(record.Data) is not { } entry)
        {
            return null;
        }

        decoded = new DecodedEntry(entry, prefix, clientName, requestHash, CacheKeyBuilder.BodyKey(prefix, clientName, requestHash, entry.VersionId));
        record.Decoded = decoded;
        return decoded;
    }

    /// <summary>
    /// Encodes an entry this instance is about to write, already decoded: the in-memory stores keep the holder, so the
    /// next read of the record from them costs no decoding.
    /// </summary>
    public static HeldRecord Encode(CacheEntry entry, string prefix, string clientName, string requestHash) =>
        new(CacheEntrySerializer.Serialize(entry))
        {
            Decoded = new DecodedEntry(entry, prefix, clientName, requestHash, CacheKeyBuilder.BodyKey(prefix, clientName, requestHash, entry.VersionId)),
        };
}
