using HttpCaching.StackExchangeRedis.Internal;

namespace HttpCaching.StackExchangeRedis.Tests.Internal;

public sealed class MemoryPolicyTests
{
    [Theory]
    [InlineData("268435456", "allkeys-lru", "Evicts")]
    [InlineData("268435456", "volatile-lfu", "Evicts")]
    [InlineData("268435456", "noeviction", "CannotEvict")]
    [InlineData("268435456", "NoEviction", "CannotEvict")]
    [InlineData("0", "allkeys-lru", "CannotEvict")]
    [InlineData("0", "noeviction", "CannotEvict")]
    [InlineData(null, "allkeys-lru", "Unreadable")]
    [InlineData("lots", "allkeys-lru", "Unreadable")]
    [InlineData("1", null, "Unreadable")]
    public void From_JudgesTheServersAnswer(string? maxMemory, string? policy, string expected) =>
        Assert.Equal(Enum.Parse<MemoryPolicyKind>(expected), MemoryPolicy.From("127.0.0.1:6379", maxMemory, policy).Kind);

    [Theory]
    [InlineData("1", "noeviction", "maxmemory-policy noeviction")]
    [InlineData("0", "allkeys-lru", "maxmemory 0, no memory limit")]
    [InlineData("0", "noeviction", "maxmemory 0 and maxmemory-policy noeviction")]
    public void Setting_NamesWhatToChange(string maxMemory, string policy, string setting) =>
        Assert.Equal(setting, MemoryPolicy.From("e", maxMemory, policy).Setting);

    [Fact]
    public void Combine_CannotEvictWins_ThenUnknown_ThenUnreadable()
    {
        var evicts = new MemoryPolicy(MemoryPolicyKind.Evicts, "a");
        var unreadable = new MemoryPolicy(MemoryPolicyKind.Unreadable, "b");
        var unknown = new MemoryPolicy(MemoryPolicyKind.Unknown, "c");
        var cannot = new MemoryPolicy(MemoryPolicyKind.CannotEvict, "d");

        Assert.Same(cannot, MemoryPolicy.Combine([evicts, unreadable, unknown, cannot], "x"));
        Assert.Same(unknown, MemoryPolicy.Combine([evicts, unreadable, unknown], "x"));
        Assert.Same(unreadable, MemoryPolicy.Combine([evicts, unreadable], "x"));
        Assert.Same(evicts, MemoryPolicy.Combine([evicts], "x"));
        Assert.Equal(MemoryPolicyKind.Unknown, MemoryPolicy.Combine([], "x").Kind);
    }
}
