using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>The coordination options of the Redis store: defaults, binding, validation, and the coordinator they make.</summary>
public sealed class RedisCoordinationOptionsTests
{
    [Fact]
    public void Defaults_BothOn_WithShortLeases()
    {
        var options = new RedisHttpCacheOptions();
        Assert.True(options.Backplane);
        Assert.True(options.CollapseAcrossInstances);
        Assert.Equal(TimeSpan.FromSeconds(10), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.LeaseWait);
    }

    [Fact]
    public void AddRedisHttpCache_SectionTurnsBothOff_CoordinatorUnderTheStoresKeyReflectsIt()
    {
        using var provider = Provider(new()
        {
            ["Redis:Configuration"] = "127.0.0.1:1",
            ["Redis:Backplane"] = "false",
            ["Redis:CollapseAcrossInstances"] = "false",
            ["Redis:LeaseDuration"] = "00:00:02",
            ["Redis:LeaseWait"] = "00:00:01",
        });

        var coordinator = provider.GetRequiredKeyedService<IHttpCacheCoordinator>("store");
        Assert.False(coordinator.BackplaneEnabled);
        Assert.False(coordinator.CollapseAcrossInstances);
        Assert.Equal(TimeSpan.FromSeconds(1), coordinator.LeaseWait);
        Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<IOptionsMonitor<RedisHttpCacheOptions>>().Get("store").LeaseDuration);
    }

    [Theory]
    [InlineData("LeaseDuration", "00:00:00.050", "LeaseDuration must be between 100 milliseconds and 1 hour")]
    [InlineData("LeaseDuration", "02:00:00", "LeaseDuration must be between 100 milliseconds and 1 hour")]
    [InlineData("LeaseWait", "-00:00:01", "LeaseWait must be between 0 and 1 hour")]
    [InlineData("LeaseWaitt", "00:00:01", "Redis:LeaseWaitt is not a known option")]
    [InlineData("Backplane", "", "Redis:Backplane needs a value")]
    public void AddRedisHttpCache_InvalidCoordinationSetting_FailsStartupNamingIt(string key, string value, string expected)
    {
        using var provider = Provider(new() { ["Redis:Configuration"] = "127.0.0.1:1", ["Redis:" + key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddKeyedRedisHttpCache("store", configuration.GetSection("Redis")).BuildServiceProvider();
    }
}
