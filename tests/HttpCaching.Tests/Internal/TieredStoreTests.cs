using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpCaching.Tests.Internal;

public sealed class TieredStoreTests
{
    private const string Prefix = "httpcaching:";
    private const string Client = "test";
    private const string Hash = "hash";
    private const string Key = "httpcaching:test:e:hash";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Record(string version) =>
        DecodedEntryCache.Encode(ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\""), Prefix, Client, Hash);

    private static OlderVersions Older(string version) =>
        OlderVersions.Of(Prefix, Client, Hash, ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\"").VersionId);

    private static string? VersionIn(byte[]? record) =>
        record is null ? null : DecodedEntryCache.Get(record, Prefix, Client, Hash)?.Entry.VersionId;

    [Fact]
    public async Task RemoveSuperseded_ThisInstanceWritesANewerRecordBetweenTheReadAndTheRemoval_TheNewerRecordStays()
    {
        // The removal reads v1 (still the older version), and its DEL is slow to arrive. Meanwhile a request of this
        // instance writes v2 to the same key. The DEL must not land after that write: v2 would be gone, and the
        // store would lose the version this instance serves.
        var time = new FakeTimeProvider(TestClock.Start);
        var memory = new RecordingDistributedCache(time);
        memory.Put(Key, Record("v1"));
        var store = new HoldingStore(memory);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var removeArrived = store.HoldNextRemove(release.Task);
        var tier = new TieredStore(new GuardedStore(store, time, new HttpCachingMetrics(null), NullLogger.Instance), near: null, new SupersededRecords(), Client, new ThirdPartyCachingOptions());

        var removal = tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(time, TimeSpan.FromSeconds(5))).AsTask();
        await removeArrived.WaitAsync(Ct);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        release.SetResult();
        await removal.WaitAsync(Ct);

        Assert.True(await write.WaitAsync(Ct));
        Assert.Equal(VersionIn(Record("v2")), VersionIn(memory.Raw(Key)));
    }

    [Fact]
    public async Task RemoveSuperseded_WhileThisInstanceWritesTheKey_GivesWayAndChecksAgainLater()
    {
        // This instance's write of the key is under way when the removal comes: the removal does not touch the key
        // now. It is remembered, and once the store answers a read again it finds the newer record, which stays.
        var time = new FakeTimeProvider(TestClock.Start);
        var memory = new RecordingDistributedCache(time);
        memory.Put(Key, Record("v1"));
        var store = new HoldingStore(memory);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var setArrived = store.HoldNextSet(release.Task);
        var superseded = new SupersededRecords();
        var tier = new TieredStore(new GuardedStore(store, time, new HttpCachingMetrics(null), NullLogger.Instance), near: null, superseded, Client, new ThirdPartyCachingOptions());
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        await setArrived.WaitAsync(Ct);

        await tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(time, TimeSpan.FromSeconds(5)));
        await Poll.UntilAsync(() => superseded.Pending.Any(), "the removal that gave way is remembered");
        Assert.Equal(0, memory.Count("remove"));

        release.SetResult();
        Assert.True(await write.WaitAsync(Ct));
        Assert.Equal(VersionIn(Record("v2")), VersionIn(memory.Raw(Key)));

        await tier.GetAsync("httpcaching:test:e:other", Ct);
        await Poll.UntilAsync(() => superseded.IsEmpty, "the remembered removal is checked again");
        Assert.Equal(VersionIn(Record("v2")), VersionIn(memory.Raw(Key)));
    }

    /// <summary>Passes every call on to a store; the next removal (or write) is held until a task completes.</summary>
    private sealed class HoldingStore(IDistributedCache inner) : IDistributedCache
    {
        private Held? _nextRemove;
        private Held? _nextSet;

        /// <summary>Holds the next removal until <paramref name="hold"/> completes; the task returned completes once it arrived.</summary>
        public Task HoldNextRemove(Task hold) => Arm(ref _nextRemove, hold);

        /// <summary>Holds the next write until <paramref name="hold"/> completes; the task returned completes once it arrived.</summary>
        public Task HoldNextSet(Task hold) => Arm(ref _nextSet, hold);

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            await WhenReleased(ref _nextSet, token);
            await inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public async Task RemoveAsync(string key, CancellationToken token = default)
        {
            await WhenReleased(ref _nextRemove, token);
            await inner.RemoveAsync(key, token);
        }

        private static Task Arm(ref Held? slot, Task hold)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref slot, new Held(hold, arrived));
            return arrived.Task;
        }

        private static Task WhenReleased(ref Held? slot, CancellationToken token)
        {
            if (Interlocked.Exchange(ref slot, null) is not { } held)
            {
                return Task.CompletedTask;
            }

            held.Arrived.SetResult();
            return held.Hold.WaitAsync(token);
        }

        private sealed record Held(Task Hold, TaskCompletionSource Arrived);
    }
}
