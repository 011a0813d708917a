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

    [Fact]
    public async Task RemoveAsync_AWriteOfTheKeyGivenUpOnLandsAfterTheRemoval_TheKeyIsRemovedAgain()
    {
        // The write of v2 does not answer within the store timeout; the URL is invalidated (the key removed); then the
        // store carries out the write after all. The key is removed again once it has: the store must not be left
        // holding what the origin said before the change.
        var (memory, store, tier, time) = Tier();
        var release = await GiveUpOnWriteAsync(store, tier, time, "v2");
        Assert.Equal(1, tier.Shared.Health().UnfinishedWrites);
        Assert.EndsWith("; 1 write(s) given up on have not ended yet", tier.Shared.Health().Describe(), StringComparison.Ordinal);

        Assert.True(await tier.RemoveAsync(Key, Ct));
        Assert.Null(memory.Raw(Key));
        release.SetResult();

        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 2, "the key is removed again after the late write");
        Assert.Null(memory.Raw(Key));
        Assert.Equal(0, tier.Shared.Health().UnfinishedWrites);
    }

    [Fact]
    public async Task SetAsync_AnEarlierWriteGivenUpOnLandsAfterALaterOne_TheKeyIsRemovedOnceItLands()
    {
        // v2's write is given up on; v3's is taken; then v2's lands over v3. The key goes once v2's write has ended, so
        // the older record is not left over the newer one (the next read is a miss, not v2).
        var (memory, store, tier, time) = Tier();
        var release = await GiveUpOnWriteAsync(store, tier, time, "v2");

        Assert.True(await tier.SetAsync(Key, Record("v3"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct));
        Assert.Equal(VersionIn(Record("v3")), VersionIn(memory.Raw(Key) is { } raw ? new HeldRecord(raw) : null));
        release.SetResult();

        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 1, "the key is removed after the late write");
        Assert.Null(memory.Raw(Key));
    }

    [Fact]
    public async Task SetAsync_ABodyVersionsWriteGivenUpOnLandsAfterItsRewrite_TheBodyStays()
    {
        // A body version is written once with the same bytes whenever it is written: a late landing changes nothing, and
        // removing it would leave the entries that point at it without their body.
        var (memory, store, tier, time) = Tier();
        const string body = "httpcaching:test:b:hash:v2";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(release.Task);
        var write = tier.SetAsync(body, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: true, Ct).AsTask();
        time.Advance(new ThirdPartyCachingOptions().StoreTimeout);
        Assert.False(await write.WaitAsync(Ct));
        Assert.Equal(0, tier.Shared.Health().UnfinishedWrites);

        Assert.True(await tier.SetAsync(body, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: true, Ct));
        release.SetResult();

        await Poll.UntilAsync(() => memory.Count("set", k => k == body) == 2, "the late write lands");
        Assert.NotNull(memory.Raw(body));
        Assert.Equal(0, memory.Count("remove"));
    }

    [Fact]
    public async Task RemoveAsync_EveryWriteOfTheKeyAnsweredInTime_RemovesOnce()
    {
        var (memory, _, tier, _) = Tier();
        Assert.True(await tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct));

        Assert.True(await tier.RemoveAsync(Key, Ct));

        Assert.Equal(0, tier.Shared.Health().UnfinishedWrites);
        Assert.Equal(1, memory.Count("remove"));
    }

    [Fact]
    public async Task RemoveAsync_AWriteGivenUpOnEndedBeforeTheRemoval_RemovesOnce()
    {
        // The write that did not answer in time ended (landed) before the removal was made: the removal is after it,
        // and nothing is left to watch.
        var (memory, store, tier, time) = Tier();
        var release = await GiveUpOnWriteAsync(store, tier, time, "v2");
        release.SetResult();
        await Poll.UntilAsync(() => tier.Shared.Health().UnfinishedWrites == 0, "the late write ends");

        Assert.True(await tier.RemoveAsync(Key, Ct));

        Assert.Null(memory.Raw(Key));
        Assert.Equal(1, memory.Count("remove"));
    }

    [Fact]
    public async Task RemoveAsync_AWriteWhoseCallerCancelledLandsAfterTheRemoval_TheKeyIsRemovedAgain()
    {
        // The caller's token ends the wait for the write, not the write: a store that does not stop for the token may
        // still carry it out.
        var (memory, store, tier, hub) = HeldTier();
        using var caller = new CancellationTokenSource();
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, caller.Token).AsTask();
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Ct));
        Assert.Equal(1, tier.Shared.Health().UnfinishedWrites);

        Assert.True(await tier.RemoveAsync(Key, Ct));
        store.ReleaseHeld();

        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 2, "the key is removed again after the late write");
        Assert.Null(memory.Raw(Key));

        // The other instances are told, so that one that read the late write meanwhile drops its copy.
        await Poll.UntilAsync(() => hub.Messages.Count(m => m.EndsWith(Key, StringComparison.Ordinal)) == 2, "the removal is announced");
    }

    [Fact]
    public async Task RemoveAsync_TheLateWriteEndsWhileTheBreakerIsOpen_TheRemovalIsRememberedAndItsRecordNotServed()
    {
        // The late write ends while the store is left alone (the breaker opened meanwhile): the removal after it is
        // skipped, so the near cache remembers it, and a read after the breaker closed does not serve the late write.
        var (memory, store, tier, _) = HeldTier(nearCache: true);
        var time = (FakeTimeProvider)tier.Shared.Time;
        using var caller = new CancellationTokenSource();
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, caller.Token).AsTask();
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Ct));
        Assert.True(await tier.RemoveAsync(Key, Ct));

        store.GetFault = StoreFault.Throw;
        for (var i = 0; i < GuardedStore.FailureThreshold; i++)
        {
            _ = await tier.ReadSharedAsync("httpcaching:test:e:other", Ct);
        }

        Assert.True(tier.Shared.IsOpen);
        store.ReleaseHeld();
        await Poll.UntilAsync(() => tier.IsRemovalPending(Key), "the skipped removal is remembered");
        Assert.NotNull(memory.Raw(Key));

        store.GetFault = StoreFault.None;
        time.Advance(GuardedStore.MaximumBreak);
        var (record, _) = await tier.GetAsync(Key, Ct);

        Assert.Null(record);
        Assert.Null(memory.Raw(Key));
    }

    [Fact]
    public async Task RemoveAsync_ThisInstanceReadTheLateWriteBeforeTheRemovalAfterIt_ItsCopyGoesToo()
    {
        // The late write lands; a read of this instance finds it (and keeps it in the near cache) before the removal
        // after the write is made. That removal takes the near cache's copy too.
        var time = new FakeTimeProvider(TestClock.Start);
        var memory = new RecordingDistributedCache(time);
        var store = new GateStore(memory, time);
        using var near = new NearCache(1 << 20, time);
        var tier = new TieredStore(new GuardedStore(store, time, new HttpCachingMetrics(null), NullLogger.Instance), near, new SupersededRecords(), Client, new ThirdPartyCachingOptions());
        var landed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ends = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(landed.Task, after: ends.Task);
        var write = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        time.Advance(new ThirdPartyCachingOptions().StoreTimeout);
        Assert.False(await write.WaitAsync(Ct));
        Assert.True(await tier.RemoveAsync(Key, Ct));

        landed.SetResult();
        await Poll.UntilAsync(() => memory.Raw(Key) is not null, "the late write lands");
        var (read, source) = await tier.GetAsync(Key, Ct);
        Assert.Equal(VersionIn(Record("v2")), VersionIn(read));
        tier.Remember(Key, read!, source, bodyVersion: false);
        Assert.NotNull(tier.GetFromMemory(Key));
        ends.SetResult();

        await Poll.UntilAsync(() => memory.Raw(Key) is null, "the key is removed again after the late write");
        Assert.Null(tier.GetFromMemory(Key));
    }

    [Fact]
    public async Task RemoveAsync_TwoWritesGivenUpOnAtOnceAndTheSecondEndsFirst_TheFirstIsStillWatched()
    {
        // Two writes of the key are under way at once and both are given up on; the second ends first. The first may
        // still land over a later removal, so the key is still watched until it ends too.
        var (memory, store, tier, time) = Tier();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(first.Task);
        var v2 = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        _ = store.HoldNextSet(second.Task);
        var v3 = tier.SetAsync(Key, Record("v3"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        time.Advance(new ThirdPartyCachingOptions().StoreTimeout);
        Assert.False(await v2.WaitAsync(Ct));
        Assert.False(await v3.WaitAsync(Ct));
        second.SetResult();
        await Poll.UntilAsync(() => VersionIn(memory.Raw(Key) is { } raw ? new HeldRecord(raw) : null) == VersionIn(Record("v3")), "v3's write lands");
        Assert.Equal(1, tier.Shared.Health().UnfinishedWrites);

        Assert.True(await tier.RemoveAsync(Key, Ct));
        first.SetResult();

        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 2, "the key is removed again after v2's write");
        Assert.Null(memory.Raw(Key));
    }

    [Fact]
    public async Task SetAsync_ManyCallsOfTheKeyWhileOneWriteGivenUpOnHangs_OneRemovalFollowsIt()
    {
        // However many writes and removals of the key are made while the write hangs, one removal after it ends does
        // for all of them: no task piles up per call.
        var (memory, store, tier, time) = Tier();
        var release = await GiveUpOnWriteAsync(store, tier, time, "v2");
        for (var i = 0; i < 20; i++)
        {
            Assert.True(await tier.SetAsync(Key, Record("v3"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct));
            Assert.True(await tier.RemoveAsync(Key, Ct));
        }

        release.SetResult();
        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 21, "the removal after the late write");
        Assert.Null(memory.Raw(Key));
        Assert.Equal(0, tier.Shared.Health().UnfinishedWrites);
        Assert.Equal(21, memory.Count("remove", k => k == Key));
    }

    [Fact]
    public async Task RemoveAsync_TwoWritesGivenUpOnAndTheFirstEnds_TheSecondIsStillWatched()
    {
        // v2's write and then v3's are given up on; v2's lands. v3's may still land over a later removal, so it is
        // still the one watched, and the removal made now is made again once v3's write ends.
        var (memory, store, tier, time) = Tier();
        var timeout = new ThirdPartyCachingOptions().StoreTimeout;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(first.Task);
        var v2 = tier.SetAsync(Key, Record("v2"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        time.Advance(timeout);
        Assert.False(await v2.WaitAsync(Ct));
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(second.Task);
        var v3 = tier.SetAsync(Key, Record("v3"), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        time.Advance(timeout);
        Assert.False(await v3.WaitAsync(Ct));
        first.SetResult();
        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) == 1, "v3's write, made while v2's was unfinished, is followed by a removal");
        Assert.Equal(1, tier.Shared.Health().UnfinishedWrites);

        Assert.True(await tier.RemoveAsync(Key, Ct));
        second.SetResult();

        // (At least once: the removal that followed v2's write also found v3's unfinished, and is made again too.)
        await Poll.UntilAsync(() => memory.Count("remove", k => k == Key) >= 3, "the removal is made again after v3's write");
        Assert.Null(memory.Raw(Key));
        Assert.Equal(0, tier.Shared.Health().UnfinishedWrites);
    }

    [Fact]
    public async Task SetAsync_WritesOfMoreKeysThanAreWatchedHang_AtMostTheLimitIsWatched()
    {
        // A store that never answers: each write is given up on, and only so many are watched, so memory stays bounded.
        var time = new FakeTimeProvider(TestClock.Start);
        var guarded = new GuardedStore(new NeverAnsweringStore(), time, new HttpCachingMetrics(null), NullLogger.Instance);
        var timeout = TimeSpan.FromSeconds(1);
        var writes = Enumerable.Range(0, GuardedStore.MaxUnfinishedWrites + 10)
            .Select(i => guarded.SetAsync($"httpcaching:test:e:{i}", Record("v1"), new DistributedCacheEntryOptions(), Client, timeout, Ct).AsTask())
            .ToArray();

        time.Advance(timeout);

        Assert.All(await Task.WhenAll(writes).WaitAsync(Ct), Assert.False);
        Assert.Equal(GuardedStore.MaxUnfinishedWrites, guarded.Health().UnfinishedWrites);
    }

    /// <summary>
    /// A tier over a store whose writes wait, whatever their caller's token, until released (<see cref="StoreFault.Held"/>),
    /// with a backplane; with a near cache if asked.
    /// </summary>
    private static (RecordingDistributedCache Memory, ChaosDistributedCache Store, TieredStore Tier, FakeCoordinationHub Hub) HeldTier(bool nearCache = false)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var memory = new RecordingDistributedCache(time);
        var store = new ChaosDistributedCache(memory) { SetFault = StoreFault.Held };
        var hub = new FakeCoordinationHub(time);
        var guarded = new GuardedStore(store, time, new HttpCachingMetrics(null), NullLogger.Instance) { Coordination = new StoreCoordination(hub.Join(), time, NullLogger.Instance) };
        var tier = new TieredStore(guarded, nearCache ? new NearCache(1 << 20, time) : null, new SupersededRecords(), Client, new ThirdPartyCachingOptions());
        return (memory, store, tier, hub);
    }

    /// <summary>
    /// Writes <paramref name="version"/> under <see cref="Key"/> through <paramref name="tier"/>, held by the store until
    /// the source returned completes, and given up on at the store timeout.
    /// </summary>
    private static async Task<TaskCompletionSource> GiveUpOnWriteAsync(GateStore store, TieredStore tier, FakeTimeProvider time, string version)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = store.HoldNextSet(release.Task);
        var write = tier.SetAsync(Key, Record(version), new DistributedCacheEntryOptions(), bodyVersion: false, Ct).AsTask();
        time.Advance(new ThirdPartyCachingOptions().StoreTimeout);
        Assert.False(await write.WaitAsync(Ct));
        return release;
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

    /// <summary>A store whose asynchronous calls never end.</summary>
    private sealed class NeverAnsweringStore : IDistributedCache
    {
        private static readonly Task Never = new TaskCompletionSource().Task;

        public byte[]? Get(string key) => throw new NotSupportedException();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => new TaskCompletionSource<byte[]?>().Task;

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Never;

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => Never;

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => Never;
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

        /// <summary>
        /// Holds the next write until <paramref name="hold"/> completes, then fails it if told to; or, with
        /// <paramref name="after"/>, carries it out and answers only once that completes.
        /// </summary>
        public Task HoldNextSet(Task hold, bool fail = false, Task? after = null) => Arm(ref _nextSet, hold, fail, after);

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
            var held = Volatile.Read(ref _nextSet);
            await WhenReleased(ref _nextSet, token);
            await inner.SetAsync(key, value, options, token);
            if (held?.After is { } after)
            {
                await after.WaitAsync(token);
            }
        }

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public async Task RemoveAsync(string key, CancellationToken token = default)
        {
            await WhenReleased(ref _nextRemove, token);
            await inner.RemoveAsync(key, token);
        }

        private static Task Arm(ref Held? slot, Task hold, bool fail, Task? after = null)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref slot, new Held(hold, arrived, fail, after));
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

        private sealed record Held(Task Hold, TaskCompletionSource Arrived, bool Fail, Task? After);
    }
}
