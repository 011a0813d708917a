using HttpCaching.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Tests.Internal;

public sealed class DefaultMemoryStoreTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly ServiceProvider _services;

    public DefaultMemoryStoreTests()
    {
        _services = new ServiceCollection().AddSingleton<TimeProvider>(_time).BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Set_FilledToThreeTimesTheLimit_The100MostRecentKeysArePresent()
    {
        const long limit = 1024 * 1024;
        var store = Store(limit);
        var random = new Random(15);
        var written = 0L;
        var keys = new List<string>();
        while (written < 3 * limit)
        {
            // A distinct instant per write, so "least recently used" is well defined.
            _time.Advance(TimeSpan.FromMilliseconds(1));
            var key = $"httpcaching:test:e:{keys.Count:D8}";
            var value = new byte[random.Next(0, 8192)];
            store.Set(key, value, Absolute(TimeSpan.FromDays(1)));
            keys.Add(key);
            written += value.Length + (key.Length * 2) + 224;
        }

        var missing = keys.TakeLast(100).Where(key => store.Get(key) is null).ToArray();

        Assert.Empty(missing);
    }

    [Fact]
    public void Set_WhenFull_EvictsTheLeastRecentlyUsedFirst()
    {
        const long limit = 256 * 1024;
        var store = Store(limit);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        store.Set("kept", new byte[1000], Absolute(TimeSpan.FromDays(1)));
        for (var i = 0; i < 2000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            store.Set($"filler:{i:D6}", new byte[1000], Absolute(TimeSpan.FromDays(1)));
            Assert.NotNull(store.Get("kept")); // read on every write: always the most recently used
        }

        Assert.Null(store.Get("filler:000000"));
        Assert.NotNull(store.Get("filler:001999"));
    }

    [Fact]
    public void Set_ValueLargerThanTheLimit_IsNotStoredAndRemovesTheOlderValue()
    {
        var store = Store(64 * 1024);
        store.Set("key", [1], Absolute(TimeSpan.FromMinutes(1)));

        store.Set("key", new byte[64 * 1024], Absolute(TimeSpan.FromMinutes(1)));

        Assert.Null(store.Get("key"));
    }

    [Fact]
    public void Set_RelativeExpirationPastTheEndOfTime_IsKeptWithoutThrowing()
    {
        var store = Store(1024 * 1024);

        store.Set("key", [1], Absolute(DateTimeOffset.MaxValue - _time.GetUtcNow() + TimeSpan.FromDays(1)));
        _time.Advance(TimeSpan.FromDays(3650));

        Assert.Equal([1], store.Get("key"));
    }

    private static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };

    private DefaultMemoryStore Store(long limit) =>
        new(Options.Create(new HttpCachingStoreOptions { MemorySizeLimit = limit }), _services);
}
