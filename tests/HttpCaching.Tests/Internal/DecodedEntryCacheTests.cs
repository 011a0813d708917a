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
        var copy = new HeldRecord((byte[])record.Data.Clone());
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
    public void Get_ARecordDecodedOnce_IsNotDecodedAgain()
    {
        var record = new HeldRecord(CacheEntrySerializer.Serialize(ProtocolFixtures.Entry()));

        var first = DecodedEntryCache.Get(record, Prefix, "client", Hash);
        var second = DecodedEntryCache.Get(record, Prefix, "client", Hash);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Same(first, record.Decoded);
    }

    [Fact]
    public void Get_AnUnreadableRecord_IsNullAndLeavesNothingDecoded()
    {
        var bytes = CacheEntrySerializer.Serialize(ProtocolFixtures.Entry());
        bytes[^1] ^= 0xFF;
        var record = new HeldRecord(bytes);

        Assert.Null(DecodedEntryCache.Get(record, Prefix, "client", Hash));
        Assert.Null(record.Decoded);
    }

    [Fact]
    public async Task DefaultMemoryStore_ARecordWrittenByTheHandler_IsReadBackInItsHolderAlreadyDecoded()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        using var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions()), services);
        var entry = ProtocolFixtures.Entry();
        var written = DecodedEntryCache.Encode(entry, Prefix, "client", Hash);
        store.Set("key", written, Expiry);

        var read = await store.GetHeldAsync("key");

        Assert.Same(written, read);
        Assert.Same(entry, DecodedEntryCache.Get(read!, Prefix, "client", Hash)?.Entry);
        Assert.Same(written.Data, await store.GetAsync("key", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DefaultMemoryStore_ARecordWrittenAsBytes_IsDecodedOnItsFirstReadOnly()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        using var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions()), services);
        await store.SetAsync("key", CacheEntrySerializer.Serialize(ProtocolFixtures.Entry()), Expiry, TestContext.Current.CancellationToken);

        var first = DecodedEntryCache.Get((await store.GetHeldAsync("key"))!, Prefix, "client", Hash);
        var second = DecodedEntryCache.Get((await store.GetHeldAsync("key"))!, Prefix, "client", Hash);

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task DefaultMemoryStore_ADamagedBodyWrittenAsBytes_IsNotTakenAsVerified()
    {
        // Bytes written through the store's IDistributedCache face come from someone else: their checksum is checked
        // on the first read, as any store's.
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        using var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions()), services);
        var body = BodyRecord.Allocate(4);
        "body"u8.CopyTo(body.AsSpan(RecordFormat.BodyHeaderLength));
        BodyRecord.Seal(body);
        var checksum = BodyRecord.Checksum(body);
        body[^1] ^= 0x01;
        store.Set("body", body, Expiry);

        var held = (await store.GetHeldAsync("body"))!;

        Assert.False(BodyRecord.IsValid(held, 4, checksum));
        Assert.False(held.Verified);
    }

    [Fact]
    public void NearCache_ARecordKeptThere_IsReadBackInItsHolder()
    {
        using var near = new NearCache(1024 * 1024, new FakeTimeProvider());
        var written = DecodedEntryCache.Encode(ProtocolFixtures.Entry(), Prefix, "client", Hash);
        near.Set("key", written, bodyVersion: false, TimeSpan.FromSeconds(5));

        Assert.Same(written, near.Get("key"));
        Assert.Same(written, near.GetLastKnown("key"));
    }

    [Fact]
    public async Task GuardedStore_ReadsOfAStoreOutOfProcess_GiveANewHolderEachTime()
    {
        // A store out of process returns a new array on every read: nothing learned of one array is kept past it.
        var time = new FakeTimeProvider();
        var store = new RecordingDistributedCache(time);
        store.Put("key", CacheEntrySerializer.Serialize(ProtocolFixtures.Entry()));
        var guarded = new GuardedStore(store, time, new HttpCachingMetrics(null), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var first = await guarded.GetAsync("key", "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var second = await guarded.GetAsync("key", "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.NotNull(first);
        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task GuardedStore_OverAnInProcessStoreOfTheApplication_FindsTheHolderItWrote()
    {
        // MemoryDistributedCache returns the array it was given: the holder written, with its decoded entry, is found
        // again by the array, and two reads find one holder.
        var time = new FakeTimeProvider();
        var cache = new MemoryDistributedCache(Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        var guarded = new GuardedStore(cache, time, new HttpCachingMetrics(null), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var written = DecodedEntryCache.Encode(ProtocolFixtures.Entry(), Prefix, "client", Hash);

        Assert.True(await guarded.SetAsync("key", written, Expiry, "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        var read = await guarded.GetAsync("key", "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.Same(written, read);
        await cache.SetAsync("other", CacheEntrySerializer.Serialize(ProtocolFixtures.Entry()), Expiry, TestContext.Current.CancellationToken);
        Assert.Same(
            await guarded.GetAsync("other", "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken),
            await guarded.GetAsync("other", "client", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
    }

    private static DistributedCacheEntryOptions Expiry => new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };
}
