using HttpCaching.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Tests;

/// <summary>
/// The built-in memory store's limit bounds the heap it holds: records are charged their keys and bookkeeping too, so
/// the heap grows by at most 1.25 times the limit plus 8 MiB whatever the sizes of the records.
/// </summary>
[Collection(HeapMeasurement.Name)]
public sealed class MemoryStoreBoundTests
{
    private const long Limit = 4 * 1024 * 1024;
    private const long Allowed = (Limit * 5 / 4) + (8 * 1024 * 1024);

    [Fact]
    public void Set_200000EmptyRecordsThenMixedSizes_HeapGrowthStaysWithinTheLimit()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) };
        var random = new Random(14);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        var store = new DefaultMemoryStore(Options.Create(new HttpCachingStoreOptions { MemorySizeLimit = Limit }), services);
        for (var i = 0; i < 200_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            store.Set(Key(i), [], options);
        }

        var afterEmpty = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 4_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            store.Set(Key(1_000_000 + i), new byte[MixedSize(random)], options);
        }

        var afterMixed = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);

        Assert.True(afterEmpty - before <= Allowed, $"200,000 empty records grew the heap by {afterEmpty - before:N0} bytes; at most {Allowed:N0} allowed.");
        Assert.True(afterMixed - before <= Allowed, $"records of mixed sizes grew the heap by {afterMixed - before:N0} bytes; at most {Allowed:N0} allowed.");
    }

    /// <summary>A store key as the handler writes them: prefix, client, kind and a hash (about 70 characters).</summary>
    private static string Key(int i) => $"httpcaching:feeds:e:{i:D10}-Yx8qkQ2cWf4nJ0tL5rVb7mS1pZ3hGd6e";

    /// <summary>Mostly small records (entry records, empty bodies), some pages and a few large bodies.</summary>
    private static int MixedSize(Random random) => random.Next(100) switch
    {
        < 40 => random.Next(64),
        < 80 => random.Next(64, 4096),
        < 98 => random.Next(4096, 128 * 1024),
        _ => random.Next(512 * 1024, 1024 * 1024),
    };
}
