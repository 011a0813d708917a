using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Stores;

/// <summary>The chaos store's switched faults do what the tests that use it rely on.</summary>
public sealed class ChaosDistributedCacheTests
{
    private static readonly DistributedCacheEntryOptions Lifetime = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Down_EveryOperation_ThrowsAndIsCounted()
    {
        var down = ChaosDistributedCache.Down();

        await Assert.ThrowsAsync<InvalidOperationException>(() => down.GetAsync("k", Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => down.SetAsync("k", [1], Lifetime, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => down.RefreshAsync("k", Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => down.RemoveAsync("k", Ct));
        Assert.Throws<InvalidOperationException>(() => down.Get("k"));
        Assert.Throws<InvalidOperationException>(() => down.Set("k", [1], Lifetime));

        Assert.Equal(6, down.Calls);
        Assert.Equal(6, down.Throws);
    }

    [Fact]
    public async Task GetFaultHang_HangsUntilTheCallerCancels_OtherOperationsWork()
    {
        var inner = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        var store = new ChaosDistributedCache(inner) { GetFault = StoreFault.Hang };
        await store.SetAsync("k", [1], Lifetime, Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var hanging = store.NextHang;

        var read = store.GetAsync("k", cancel.Token);
        await hanging;
        Assert.False(read.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal((2, 1), (store.Calls, store.Hangs));
        Assert.Equal(["set"], inner.Operations.Select(o => o.Operation));
    }

    [Fact]
    public async Task CorruptFault_ReadsADamagedCopy_StoredRecordUntouched()
    {
        var inner = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        var store = new ChaosDistributedCache(inner, seed: 1) { GetFault = StoreFault.Corrupt, Damage = RecordDamage.Framing };
        byte[] record = [1, 2, 3, 4, 5, 6, 7, 8];
        await store.SetAsync("k", record, Lifetime, Ct);

        var damaged = await store.GetAsync("k", Ct);

        Assert.NotNull(damaged);
        Assert.NotEqual(record.Length, damaged.Length);
        Assert.Equal(record, inner.Raw("k"));
        Assert.Equal(1, store.Corruptions);
    }

    [Fact]
    public async Task SetFaultCorrupt_StoresADamagedCopy_CallersArrayUntouched()
    {
        var inner = new RecordingDistributedCache(new FakeTimeProvider(TestClock.Start));
        var store = new ChaosDistributedCache(inner, seed: 1) { SetFault = StoreFault.Corrupt, Damage = RecordDamage.FlipByte };
        byte[] record = [1, 2, 3, 4, 5, 6, 7, 8];

        await store.SetAsync("k", record, Lifetime, Ct);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], record);
        Assert.Equal(record.Length, inner.Raw("k")!.Length);
        Assert.NotEqual(record, inner.Raw("k"));
    }
}
