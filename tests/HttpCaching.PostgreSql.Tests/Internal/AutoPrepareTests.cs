using HttpCaching.PostgreSql.Internal;
using Npgsql;

namespace HttpCaching.PostgreSql.Tests.Internal;

/// <summary>The connection settings the store chooses for itself, each unless the connection string sets it.</summary>
public sealed class AutoPrepareTests
{
    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", true)]
    [InlineData("Host=db;MaxAutoPrepare=0", true)]
    [InlineData("Host=db;max auto prepare=5", true)]
    [InlineData("Host=db;Username=u;Password=p", false)]
    public void Sets_MaxAutoPrepare_OnlyWhenTheConnectionStringSaysSo(string connectionString, bool expected)
    {
        Assert.Equal(expected, PostgreSqlCacheStore.Sets(connectionString, "MaxAutoPrepare"));
    }

    [Fact]
    public void DataSource_NothingSet_PreparesStatementsAndNeverWaitsForACancellationAnswer()
    {
        var settings = Settings("Host=127.0.0.1;Port=1;Username=u");
        Assert.Equal(16, settings.MaxAutoPrepare);
        Assert.Equal(-1, settings.CancellationTimeout);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Username=u;Cancellation Timeout=500", 500)]
    [InlineData("Host=127.0.0.1;Port=1;Username=u;CancellationTimeout=0", 0)]
    public void DataSource_CancellationTimeoutSet_KeepsIt(string connectionString, int expected)
    {
        Assert.Equal(expected, Settings(connectionString).CancellationTimeout);
    }

    [Fact]
    public void DataSource_MaxAutoPrepareSet_KeepsIt()
    {
        Assert.Equal(0, Settings("Host=127.0.0.1;Port=1;Username=u;Max Auto Prepare=0").MaxAutoPrepare);
    }

    /// <summary>The settings the store's data source connects with, for <paramref name="connectionString"/>.</summary>
    private static NpgsqlConnectionStringBuilder Settings(string connectionString)
    {
        var settings = new NpgsqlDataSourceBuilder(connectionString).ConnectionStringBuilder;
        PostgreSqlCacheStore.ApplyConnectionDefaults(settings, connectionString);
        return settings;
    }
}
