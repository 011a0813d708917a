using HttpCaching.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    [Fact]
    public void DefaultMemoryStoreSet_ReplacingARecord_ForgetsItsDecodedEntry()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        using var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions()), services);
        var entry = ProtocolFixtures.Entry();
        var replaced = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        store.Set("key", replaced, Expiry);

        store.Set("key", DecodedEntryCache.Encode(ProtocolFixtures.Entry(), Prefix, "client", Hash), Expiry);

        Assert.NotSame(entry, DecodedEntryCache.Get(replaced, Prefix, "client", Hash)?.Entry);
    }

    [Fact]
    public void DefaultMemoryStoreSet_TheSameRecordAgain_KeepsItsDecodedEntry()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        using var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions()), services);
        var entry = ProtocolFixtures.Entry();
        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        store.Set("key", record, Expiry);

        store.Set("key", record, Expiry);

        Assert.Same(entry, DecodedEntryCache.Get(record, Prefix, "client", Hash)?.Entry);
    }

    [Fact]
    public void NearCacheSet_ReplacingARecord_ForgetsItsDecodedEntry()
    {
        using var near = new NearCache(1024 * 1024, new FakeTimeProvider());
        var entry = ProtocolFixtures.Entry();
        var replaced = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        near.Set("key", replaced, bodyVersion: false, TimeSpan.FromSeconds(5));

        near.Set("key", DecodedEntryCache.Encode(ProtocolFixtures.Entry(), Prefix, "client", Hash), bodyVersion: false, TimeSpan.FromSeconds(5));

        Assert.NotSame(entry, DecodedEntryCache.Get(replaced, Prefix, "client", Hash)?.Entry);
    }

    [Fact]
    public void NearCacheSet_TheSameRecordAgain_KeepsItsDecodedEntry()
    {
        using var near = new NearCache(1024 * 1024, new FakeTimeProvider());
        var entry = ProtocolFixtures.Entry();
        var record = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        near.Set("key", record, bodyVersion: false, TimeSpan.FromSeconds(5));

        near.Set("key", record, bodyVersion: false, TimeSpan.FromSeconds(5));

        Assert.Same(entry, DecodedEntryCache.Get(record, Prefix, "client", Hash)?.Entry);
    }

    private static DistributedCacheEntryOptions Expiry => new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };
}
