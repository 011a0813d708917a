using HttpCaching.Internal;
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

    private static HeldRecord Record(string version) =>
        DecodedEntryCache.Encode(ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\""), Prefix, Client, Hash);

    private static OlderVersions Older(string version) =>
        OlderVersions.Of(Prefix, Client, Hash, ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\"").VersionId);

    private static string? VersionIn(HeldRecord? record) =>
        record is null ? null : DecodedEntryCache.Get(record, Prefix, Client, Hash)?.Entry.VersionId;

    [Fact]
    public async Task RemoveSuperseded_ThisInstanceWritesANewerRecordBetweenTheReadAndTheRemoval_TheNewerRecordStays()
    {
        // The removal reads v1 (still the older version), and its DEL is slow to arrive. Meanwhile a request of this
        // instance writes v2 to the same key. The DEL must not land after that write: v2 would be gone, and the
        // store would lose the version this instance serves.
        var (memory, store, tier, time) = Tier();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var removeArrived = store.HoldNextRemove(release.Task);

        var removal = tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(time, TimeSpan.FromSeconds(5))).AsTask();
        await removeArrived.WaitAsync(Ct);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        release.SetResult();
        await removal.WaitAsync(Ct);

        Assert.True(await write.WaitAsync(Ct));
        Assert.Equal(VersionIn(Record("v2")), VersionIn(memory.Raw(Key) is { } raw ? new HeldRecord(raw) : null));
    }

    [Fact]
    public async Task RemoveSuperseded_WhileThisInstanceWritesTheKey_WaitsForTheWrite_ThenLeavesTheNewerRecord()
    {
        // This instance's write of v2 is under way when the removal of v1 comes: the removal waits for it, then reads
        // what it left (v2) and removes nothing.
        var (memory, store, tier, _) = Tier();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var setArrived = store.HoldNextSet(release.Task);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        await setArrived.WaitAsync(Ct);

        var removal = tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(store.Time, TimeSpan.FromSeconds(5))).AsTask();
        Assert.False(removal.IsCompleted);
        release.SetResult();

        Assert.True(await write.WaitAsync(Ct));
        await removal.WaitAsync(Ct);
        Assert.Equal(0, memory.Count("remove"));
        Assert.Equal(VersionIn(Record("v2")), VersionIn(memory.Raw(Key) is { } raw ? new HeldRecord(raw) : null));
    }

    [Fact]
    public async Task RemoveSuperseded_WaitedForAWriteThatFailed_TheOlderRecordIsRemoved()
    {
        // No near cache. This instance served v2 over v1; another of its writes of the key is under way when the removal
        // of v1 comes, and that write then fails. The removal, which waited for it, finds v1 still there and removes it:
        // the next read of the key does not find the older version.
        var (memory, store, tier, _) = Tier();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var setArrived = store.HoldNextSet(release.Task, fail: true);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        await setArrived.WaitAsync(Ct);

        var removal = tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(store.Time, TimeSpan.FromSeconds(5))).AsTask();
        release.SetResult();
        Assert.False(await write.WaitAsync(Ct));
        await removal.WaitAsync(Ct);

        var (read, _) = await tier.GetAsync(Key, Ct);
        Assert.Null(read);
        Assert.Null(memory.Raw(Key));
    }

    [Fact]
    public async Task SetAsync_BudgetSpentWhileARemovalOfTheKeyIsUnderWay_GivesUpAtOnce()
    {
        // A request whose store budget is spent skips its writes: it does not first wait for another request's removal.
        var (memory, store, tier, _) = Tier();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readArrived = store.HoldNextGet(release.Task);
        await tier.RemoveSupersededAsync(Key, Older("v1"), budget: null);
        await readArrived.WaitAsync(Ct);

        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct, new StoreBudget(store.Time, TimeSpan.Zero)).AsTask();

        Assert.True(write.IsCompleted);
        Assert.False(await write);
        Assert.Equal(0, memory.Count("set"));
        release.SetResult();
    }

    [Fact]
    public async Task SetAsync_RemovalOfTheKeyOutlastsTheRequestsBudget_TheWriteStopsWaitingWhenTheBudgetIsSpent()
    {
        // A store that hangs costs a request at most its budget: the wait for a removal of the key counts towards it.
        var (_, store, tier, _) = Tier();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readArrived = store.HoldNextGet(release.Task);
        await tier.RemoveSupersededAsync(Key, Older("v1"), budget: null);
        await readArrived.WaitAsync(Ct);

        var budgetTime = new FakeTimeProvider(TestClock.Start);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct, new StoreBudget(budgetTime, TimeSpan.FromSeconds(1))).AsTask();
        Assert.False(write.IsCompleted);
        budgetTime.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await write.WaitAsync(Ct));
        release.SetResult();
    }

    [Fact]
    public async Task SetAsync_UnlimitedStoreTimeoutAndTheRemovalsReadHangs_WritesOfTheKeyGoAheadOnceItIsAbandoned()
    {
        // StoreTimeout = InfiniteTimeSpan. The removal's read never returns; its call is still bounded (no write of the
        // key may wait for ever), so once the longest background call has passed the waiting write ends.
        var (memory, store, tier, time) = Tier(new ThirdPartyCachingOptions { StoreTimeout = Timeout.InfiniteTimeSpan });
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readArrived = store.HoldNextGet(never.Task);
        var removal = tier.RemoveSupersededAsync(Key, Older("v1"), new StoreBudget(time, Timeout.InfiniteTimeSpan)).AsTask();
        await readArrived.WaitAsync(Ct);
        var waiting = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, CancellationToken.None, new StoreBudget(time, Timeout.InfiniteTimeSpan)).AsTask();
        Assert.False(waiting.IsCompleted);

        // Whether the waiting write gave up or went ahead once the removal was abandoned, it ended; so does the removal
        // (made again in the background), and a later write of the key is stored.
        time.Advance(TimeSpan.FromSeconds(30));
        await waiting.WaitAsync(Ct);
        await removal.WaitAsync(Ct);

        Assert.True(await tier.SetAsync(Key, Record("v3"), new DistributedCacheEntryOptions(), bodyVersion: false, CancellationToken.None, new StoreBudget(time, Timeout.InfiniteTimeSpan)));
        Assert.Equal(VersionIn(Record("v3")), VersionIn(memory.Raw(Key) is { } raw ? new HeldRecord(raw) : null));
        never.SetResult();
    }

    /// <summary>A tier without a near cache over a store holding v1 under <see cref="Key"/>, all on one fake clock.</summary>
    private static (RecordingDistributedCache Memory, GateStore Store, TieredStore Tier, FakeTimeProvider Time) Tier(ThirdPartyCachingOptions? options = null)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var memory = new RecordingDistributedCache(time);
        memory.Put(Key, Record("v1").Data);
        var store = new GateStore(memory, time);
        var tier = new TieredStore(new GuardedStore(store, time, new HttpCachingMetrics(null), NullLogger.Instance), near: null, new SupersededRecords(), Client, options ?? new ThirdPartyCachingOptions());
        return (memory, store, tier, time);
    }

    /// <summary>Passes every call on to a store; the next read, write or removal can be held until a task completes (a held write can then fail).</summary>
    private sealed class GateStore(IDistributedCache inner, FakeTimeProvider time) : IDistributedCache
    {
        private Held? _nextGet;
        private Held? _nextSet;
        private Held? _nextRemove;

        public FakeTimeProvider Time => time;

        /// <summary>Holds the next read until <paramref name="hold"/> completes; the task returned completes once it arrived.</summary>
        public Task HoldNextGet(Task hold) => Arm(ref _nextGet, hold, fail: false);

        /// <summary>Holds the next write until <paramref name="hold"/> completes, then fails it if told to.</summary>
        public Task HoldNextSet(Task hold, bool fail = false) => Arm(ref _nextSet, hold, fail);

        /// <summary>Holds the next removal until <paramref name="hold"/> completes.</summary>
        public Task HoldNextRemove(Task hold) => Arm(ref _nextRemove, hold, fail: false);

        public byte[]? Get(string key) => inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            await WhenReleased(ref _nextGet, token);
            return await inner.GetAsync(key, token);
        }

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

        private static Task Arm(ref Held? slot, Task hold, bool fail)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref slot, new Held(hold, arrived, fail));
            return arrived.Task;
        }

        private static Task WhenReleased(ref Held? slot, CancellationToken token) =>
            Interlocked.Exchange(ref slot, null) is { } held ? ReleasedAsync(held, token) : Task.CompletedTask;

        private static async Task ReleasedAsync(Held held, CancellationToken token)
        {
            held.Arrived.SetResult();
            await held.Hold.WaitAsync(token);
            if (held.Fail)
            {
                throw new InvalidOperationException("The store refused the write.");
            }
        }

        private sealed record Held(Task Hold, TaskCompletionSource Arrived, bool Fail);
    }
}
