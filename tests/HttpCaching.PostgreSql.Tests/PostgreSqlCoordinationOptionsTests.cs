using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>The coordination options of the PostgreSQL store: defaults, binding, validation, and the coordinator they make.</summary>
public sealed class PostgreSqlCoordinationOptionsTests
{
    [Fact]
    public void Defaults_BothOn_WithShortLeases()
    {
        var options = new PostgreSqlHttpCacheOptions();
        Assert.True(options.Backplane);
        Assert.True(options.CollapseAcrossInstances);
        Assert.Equal(TimeSpan.FromSeconds(10), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.LeaseWait);
    }

    [Fact]
    public void AddPostgreSqlHttpCache_SectionTurnsBothOff_CoordinatorUnderTheStoresKeyReflectsIt()
    {
        using var provider = Provider(new()
        {
            ["Pg:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=x",
            ["Pg:Backplane"] = "false",
            ["Pg:CollapseAcrossInstances"] = "false",
            ["Pg:LeaseWait"] = "00:00:01",
        });

        var coordinator = provider.GetRequiredKeyedService<IHttpCacheCoordinator>("store");
        Assert.False(coordinator.BackplaneEnabled);
        Assert.False(coordinator.CollapseAcrossInstances);
        Assert.Equal(TimeSpan.FromSeconds(1), coordinator.LeaseWait);
    }

    [Theory]
    [InlineData("LeaseDuration", "00:00:00.050", "LeaseDuration")]
    [InlineData("LeaseWait", "02:00:00", "LeaseWait")]
    [InlineData("LeaseWaitt", "00:00:01", "Pg:LeaseWaitt is not a known option")]
    [InlineData("CollapseAcrossInstances", "", "Pg:CollapseAcrossInstances needs a value")]
    public void AddPostgreSqlHttpCache_InvalidCoordinationSetting_FailsStartupNamingIt(string key, string value, string expected)
    {
        using var provider = Provider(new() { ["Pg:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=x", ["Pg:" + key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddKeyedPostgreSqlHttpCache("store", configuration.GetSection("Pg")).BuildServiceProvider();
    }
}
