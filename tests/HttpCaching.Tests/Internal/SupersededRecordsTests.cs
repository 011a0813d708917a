using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class SupersededRecordsTests
{
    private static readonly byte[] V1 = [1];
    private static readonly byte[] V2 = [2];
    private static readonly byte[] V3 = [3];

    private static bool IsV1(byte[] record) => record[0] == 1;

    private static bool IsV2(byte[] record) => record[0] == 2;

    [Fact]
    public void Remember_SameKeyTwice_EitherOlderVersionIsStillRemoved()
    {
        // During one outage this instance served v2 over v1, then v3 over v2; the store holds v1 or v2, whichever write
        // got through last: both are to go.
        var records = new SupersededRecords();
        records.Remember("k", IsV1);
        records.Remember("k", IsV2);

        var (key, isOlder) = Assert.Single(records.Pending);

        Assert.Equal("k", key);
        Assert.True(isOlder(V1));
        Assert.True(isOlder(V2));
        Assert.False(isOlder(V3));
    }

    [Fact]
    public void Done_WithACheckWidenedSince_KeepsTheKey()
    {
        var records = new SupersededRecords();
        records.Remember("k", IsV1);
        var (_, first) = Assert.Single(records.Pending);
        records.Remember("k", IsV2);

        records.Done("k", first);

        Assert.False(records.IsEmpty);
        records.Done("k", Assert.Single(records.Pending).Value);
        Assert.True(records.IsEmpty);
    }

    [Fact]
    public void Remember_PastTheLimit_NewKeysAreGivenUp_KnownKeysStillWiden()
    {
        var records = new SupersededRecords();
        for (var i = 0; i < SupersededRecords.MaxKeys; i++)
        {
            records.Remember($"k{i}", IsV1);
        }

        records.Remember("one-too-many", IsV1);
        records.Remember("k0", IsV2);

        Assert.Equal(SupersededRecords.MaxKeys, records.Pending.Count());
        Assert.DoesNotContain(records.Pending, p => p.Key == "one-too-many");
        Assert.True(records.Pending.Single(p => p.Key == "k0").Value(V2));
    }
}
