using System.Text;
using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Internal;

/// <summary>The consistent-hash ring: balanced, stable, and about 1/N of the keys move when a server is added.</summary>
public sealed class KetamaRingTests
{
    private static readonly string[] Three = ["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"];

    private static uint[] Keys(int count) =>
        [.. Enumerable.Range(0, count).Select(i => KetamaRing.Hash(Encoding.UTF8.GetBytes($"httpcaching:feeds:e:{i}")))];

    [Fact]
    public void Owner_ManyKeys_SpreadEvenly()
    {
        var ring = new KetamaRing(Three);
        var counts = new int[3];

        foreach (var key in Keys(30_000))
        {
            counts[ring.Owner(key)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 7_000, 13_000));
    }

    [Fact]
    public void Owner_FourthServerAdded_MovesAboutAQuarterAllToIt()
    {
        var before = new KetamaRing(Three);
        var after = new KetamaRing([.. Three, "10.0.0.4:11211"]);
        var keys = Keys(30_000);

        var moved = keys.Where(k => before.Owner(k) != after.Owner(k)).ToArray();

        Assert.InRange(moved.Length / (double)keys.Length, 0.17, 0.33);
        Assert.All(moved, k => Assert.Equal(3, after.Owner(k)));
    }

    [Fact]
    public void Order_OwnerDown_ItsKeysGoWhereRemovingItWouldPutThem()
    {
        var ring = new KetamaRing(Three);
        var without = new KetamaRing(["10.0.0.1:11211", "10.0.0.3:11211"]);

        foreach (var key in Keys(5_000))
        {
            var order = ring.Order(key);
            Assert.Equal(3, order.Distinct().Count());
            Assert.Equal(ring.Owner(key), order[0]);
            var firstUp = order.First(i => i != 1);
            Assert.Equal(without.Owner(key) == 0 ? 0 : 2, firstUp);
        }
    }

    [Fact]
    public void Owner_SameServersInAnotherProcess_SamePlacement()
    {
        var a = new KetamaRing(Three);
        var b = new KetamaRing([.. Three]);

        Assert.All(Keys(1_000), k => Assert.Equal(a.Owner(k), b.Owner(k)));
    }
}
