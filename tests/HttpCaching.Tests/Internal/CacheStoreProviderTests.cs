using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// Each store is guarded once, however many clients ask for it at the same moment: two guards would be two breakers and
/// two subscriptions to its backplane.
/// </summary>
public sealed class CacheStoreProviderTests
{
    private const int Rounds = 200;

    [Theory]
    [InlineData(null)]
    [InlineData("feeds")]
    public void Get_TwoThreadsAtOnce_OneGuard(string? serviceKey)
    {
        using var harness = new CachingHarness(services: s => s.AddKeyedSingleton<IDistributedCache>("feeds", new RecordingDistributedCache(TimeProvider.System)));
        var metrics = new HttpCachingMetrics(null);
        for (var round = 0; round < Rounds; round++)
        {
            var provider = new CacheStoreProvider(harness.Services, TimeProvider.System, metrics);
            using var start = new Barrier(2);
            var guards = new GuardedStore?[2];
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                guards[i] = provider.Get(serviceKey);
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            Assert.NotNull(guards[0]);
            Assert.Same(guards[0], guards[1]);
            Assert.Same(guards[0], provider.Get(serviceKey));
        }
    }
}
