using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class SupersededRecordsTests
{
    private const string Prefix = "httpcaching:";
    private const string Client = "test";
    private const string Hash = "hash";

    /// <summary>The entry record of version <paramref name="version"/> (its ETag), as the handler encodes it for the URL.</summary>
    private static HeldRecord Record(string version) =>
        DecodedEntryCache.Encode(ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\""), Prefix, Client, Hash);

    private static OlderVersions Older(string version) =>
        OlderVersions.Of(Prefix, Client, Hash, ProtocolFixtures.Entry(version, fields: $"ETag: \"{version}\"").VersionId);

    [Fact]
    public void Remember_SameKeyTwice_EitherOlderVersionIsStillRemoved()
    {
        // During one outage this instance served v2 over v1, then v3 over v2; the store holds v1 or v2, whichever write
        // got through last: both are to go, and v3 (the one it serves) is not.
        var records = new SupersededRecords();
        records.Remember("k", Older("v1"));
        records.Remember("k", Older("v2"));

        var (key, older) = Assert.Single(records.Pending);

        Assert.Equal("k", key);
        Assert.True(older.Holds(Record("v1")));
        Assert.True(older.Holds(Record("v2")));
        Assert.False(older.Holds(Record("v3")));
    }

    [Fact]
    public void Remember_AVersionAfterEveryRequestOfALongOutage_KeepsABoundedFlatSet()
    {
        // A URL whose body changes on every request, during a long outage: one check per key, of at most MaxVersions
        // versions (the first ones: the store's is among them), evaluated without recursion however many were served.
        var records = new SupersededRecords();
        for (var i = 0; i < 100_000; i++)
        {
            records.Remember("k", Older($"v{i}"));
        }

        var older = Assert.Single(records.Pending).Value;

        Assert.Equal(OlderVersions.MaxVersions, older.VersionIds.Length);
        Assert.True(older.Holds(Record("v0")));
        Assert.False(older.Holds(Record("v99999")));
    }

    [Fact]
    public void Done_WithASetWidenedSince_KeepsTheKey()
    {
        var records = new SupersededRecords();
        records.Remember("k", Older("v1"));
        var first = Assert.Single(records.Pending).Value;
        records.Remember("k", Older("v2"));

        records.Done("k", first);

        Assert.False(records.IsEmpty);
        records.Done("k", Assert.Single(records.Pending).Value);
        Assert.True(records.IsEmpty);
    }

    [Fact]
    public void Remember_TheSameVersionAgain_KeepsTheSameSet()
    {
        var records = new SupersededRecords();
        records.Remember("k", Older("v1"));
        var first = Assert.Single(records.Pending).Value;

        records.Remember("k", Older("v1"));

        Assert.Same(first, Assert.Single(records.Pending).Value);
    }

    [Fact]
    public void Remember_PastTheLimit_NewKeysAreGivenUp_KnownKeysStillWiden()
    {
        var records = new SupersededRecords();
        for (var i = 0; i < SupersededRecords.MaxKeys; i++)
        {
            records.Remember($"k{i}", Older("v1"));
        }

        records.Remember("one-too-many", Older("v1"));
        records.Remember("k0", Older("v2"));

        Assert.Equal(SupersededRecords.MaxKeys, records.Pending.Count());
        Assert.DoesNotContain(records.Pending, p => p.Key == "one-too-many");
        Assert.True(records.Pending.Single(p => p.Key == "k0").Value.Holds(Record("v2")));
    }

    [Fact]
    public void TryBeginRemoval_WhileWritesOfTheKeyAreUnderWay_WaitsUntilTheLastOneEnds()
    {
        var records = new SupersededRecords();
        Assert.Null(records.BeginWrite("k"));
        Assert.Null(records.BeginWrite("k"));

        var writes = records.TryBeginRemoval("k");
        Assert.NotNull(writes);
        records.EndWrite("k");
        Assert.False(writes.IsCompleted);
        Assert.Same(writes, records.TryBeginRemoval("k"));
        records.EndWrite("k");

        Assert.True(writes.IsCompletedSuccessfully);
        Assert.Null(records.TryBeginRemoval("k"));
    }

    [Fact]
    public void TryBeginRemoval_AnotherKeyWritten_GoesAhead_ButASecondRemovalOfTheKeyWaitsForTheFirst()
    {
        var records = new SupersededRecords();
        Assert.Null(records.BeginWrite("other"));

        Assert.Null(records.TryBeginRemoval("k"));
        var first = records.TryBeginRemoval("k");
        Assert.NotNull(first);
        Assert.False(first.IsCompleted);
        records.EndRemoval("k");

        Assert.True(first.IsCompletedSuccessfully);
        Assert.Null(records.TryBeginRemoval("k"));
    }

    [Fact]
    public void BeginWrite_WhileARemovalOfTheKeyIsUnderWay_WaitsForItsEnd()
    {
        var records = new SupersededRecords();
        Assert.Null(records.TryBeginRemoval("k"));

        var removal = records.BeginWrite("k");
        Assert.Null(records.BeginWrite("other"));

        Assert.NotNull(removal);
        Assert.False(removal.IsCompleted);
        records.EndRemoval("k");
        Assert.True(removal.IsCompletedSuccessfully);
    }

    [Fact]
    public void EndRemoval_WithAWriteStillUnderWay_TheKeyStaysBusyUntilThatWriteEnds()
    {
        // A write that began while the removal ran (it waited for it) still counts once the removal is over.
        var records = new SupersededRecords();
        Assert.Null(records.TryBeginRemoval("k"));
        Assert.NotNull(records.BeginWrite("k"));
        records.EndRemoval("k");

        Assert.NotNull(records.TryBeginRemoval("k"));
        records.EndWrite("k");
        Assert.Null(records.TryBeginRemoval("k"));
    }
}
