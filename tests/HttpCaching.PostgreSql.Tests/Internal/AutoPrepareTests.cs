using HttpCaching.PostgreSql.Internal;

namespace HttpCaching.PostgreSql.Tests.Internal;

public sealed class AutoPrepareTests
{
    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", true)]
    [InlineData("Host=db;MaxAutoPrepare=0", true)]
    [InlineData("Host=db;max auto prepare=5", true)]
    [InlineData("Host=db;Username=u;Password=p", false)]
    public void SetsAutoPrepare_OnlyWhenTheConnectionStringSaysSo(string connectionString, bool expected)
    {
        Assert.Equal(expected, PostgreSqlCacheStore.SetsAutoPrepare(connectionString));
    }
}
