using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class DecodedEntryCacheTests
{
    private const string Prefix = "httpcaching:";
    private const string Hash = "request-hash";

    [Fact]
    public void Encode_ThenGetOfThatRecord_ReturnsTheEntryWithoutDecoding()
    {
        var entry = ProtocolFixtures.Entry();

        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        var decoded = DecodedEntryCache.Get(record, Prefix, "client", Hash);

        Assert.NotNull(decoded);
        Assert.Same(entry, decoded.Entry);
        Assert.Equal(CacheKeyBuilder.BodyKey(Prefix, "client", Hash, entry.VersionId), decoded.BodyKey);
    }

    [Fact]
    public void Encode_RecordReadByAnotherInstance_DecodesToTheSameEntry()
    {
        var entry = ProtocolFixtures.Entry();

        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        var copy = (byte[])record.Clone();
        var decoded = DecodedEntryCache.Get(copy, Prefix, "client", Hash);

        Assert.NotNull(decoded);
        Assert.NotSame(entry, decoded.Entry);
        Assert.Equal(entry.VersionId, decoded.Entry.VersionId);
        Assert.Equal(entry.BodyLength, decoded.Entry.BodyLength);
        Assert.Equal(CacheEntrySerializer.Serialize(entry), CacheEntrySerializer.Serialize(decoded.Entry));
    }

    [Fact]
    public void Get_RecordEncodedForAnotherRequest_IsDecodedForThisOne()
    {
        var entry = ProtocolFixtures.Entry();
        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);

        var decoded = DecodedEntryCache.Get(record, Prefix, "client", "other-hash");

        Assert.NotNull(decoded);
        Assert.Equal("other-hash", decoded.RequestHash);
        Assert.Equal(CacheKeyBuilder.BodyKey(Prefix, "client", "other-hash", entry.VersionId), decoded.BodyKey);
    }

    [Fact]
    public void Get_RecordEncodedForAnotherClient_IsDecodedWithThisClientsBodyKey()
    {
        // A store that hands one client's record to another (keys mixed up): the body key is this client's own.
        var entry = ProtocolFixtures.Entry();
        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);

        var decoded = DecodedEntryCache.Get(record, Prefix, "other-client", Hash);

        Assert.NotNull(decoded);
        Assert.Equal(CacheKeyBuilder.BodyKey(Prefix, "other-client", Hash, entry.VersionId), decoded.BodyKey);
    }
}
