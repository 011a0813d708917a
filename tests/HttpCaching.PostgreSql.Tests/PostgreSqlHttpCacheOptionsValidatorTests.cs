using HttpCaching.PostgreSql.Internal;

namespace HttpCaching.PostgreSql.Tests;

public sealed class PostgreSqlHttpCacheOptionsValidatorTests
{
    private readonly PostgreSqlHttpCacheOptionsCustomValidator _validator = new();

    [Fact]
    public void Validate_Defaults_WithAConnectionString_Succeed()
    {
        var result = _validator.Validate("", new PostgreSqlHttpCacheOptions { ConnectionString = "Host=db;Database=app" });

        Assert.True(result.Succeeded);
    }

    [Theory]
    [InlineData("cache")]
    [InlineData("_cache_2")]
    [InlineData("MixedCase")]
    public void Validate_PlainIdentifiers_Succeed(string name)
    {
        var result = _validator.Validate("", Valid(o => (o.SchemaName, o.TableName) = (name, name)));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1cache")]
    [InlineData("cache entries")]
    [InlineData("cache\"; DROP TABLE x; --")]
    [InlineData("cache-entries")]
    [InlineData("caché")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Validate_InvalidNames_FailNamingTheOption(string name)
    {
        var result = _validator.Validate("feeds", Valid(o => (o.SchemaName, o.TableName) = (name, name)));

        Assert.True(result.Failed);
        Assert.Contains("'feeds': PostgreSqlHttpCacheOptions.SchemaName", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("'feeds': PostgreSqlHttpCacheOptions.TableName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReservedNames_Fail()
    {
        var result = _validator.Validate("", Valid(o => (o.SchemaName, o.TableName) = ("pg_cache", CacheTable.MigrationsTableName)));

        Assert.Contains("names starting with pg_ are reserved", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("must not be 'httpcaching_migrations'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(1, true)]
    [InlineData(86_400, true)]
    [InlineData(86_401, false)]
    public void Validate_ExpiredItemsDeletionInterval_Bounds(double seconds, bool valid)
    {
        var result = _validator.Validate("", Valid(o => o.ExpiredItemsDeletionInterval = TimeSpan.FromSeconds(seconds)));

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Validate_InfiniteDeletionInterval_TurnsTheSweepOff()
    {
        var result = _validator.Validate("", Valid(o => o.ExpiredItemsDeletionInterval = Timeout.InfiniteTimeSpan));

        Assert.True(result.Succeeded);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(100_000, true)]
    [InlineData(100_001, false)]
    public void Validate_DeleteBatchSize_Bounds(int size, bool valid)
    {
        Assert.Equal(valid, _validator.Validate("", Valid(o => o.DeleteBatchSize = size)).Succeeded);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(0.5, false)]
    [InlineData(1, true)]
    [InlineData(3600, true)]
    [InlineData(3601, false)]
    public void Validate_CommandTimeout_Bounds(double seconds, bool valid)
    {
        Assert.Equal(valid, _validator.Validate("", Valid(o => o.CommandTimeout = TimeSpan.FromSeconds(seconds))).Succeeded);
    }

    [Fact]
    public void Validate_NonPositiveDefaultSlidingExpiration_Fails()
    {
        var result = _validator.Validate("", Valid(o => o.DefaultSlidingExpiration = TimeSpan.Zero));

        Assert.Contains("PostgreSqlHttpCacheOptions.DefaultSlidingExpiration must be positive", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_BoundTheTableAt1GiBOfValuesAndNoRowCount()
    {
        var options = new PostgreSqlHttpCacheOptions();

        Assert.Equal(1L << 30, options.MaxSize);
        Assert.Null(options.MaxRows);
    }

    [Fact]
    public void Options_Defaults_ReadValuesOfUpTo64MiB()
    {
        Assert.Equal(64L << 20, new PostgreSqlHttpCacheOptions().MaxValueSize);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(65_535, false)]
    [InlineData(65_536, true)]
    [InlineData(1_073_741_823, true)]
    [InlineData(1_073_741_824, false)]
    public void Validate_MaxValueSize_Bounds(int maxValueSize, bool valid)
    {
        var result = _validator.Validate("feeds", Valid(o => o.MaxValueSize = maxValueSize));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"The PostgreSQL HTTP cache 'feeds': PostgreSqlHttpCacheOptions.MaxValueSize must be between 65536 bytes (64 KiB) and 1073741823 bytes, PostgreSQL's largest bytea (it is {maxValueSize}).", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(-1L, false)]
    [InlineData(0L, false)]
    [InlineData(1_048_575L, false)]
    [InlineData(1_048_576L, true)]
    [InlineData(1_099_511_627_776L, true)]
    [InlineData(1_099_511_627_777L, false)]
    public void Validate_MaxSize_Bounds(long maxSize, bool valid)
    {
        var result = _validator.Validate("feeds", Valid(o => o.MaxSize = maxSize));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"The PostgreSQL HTTP cache 'feeds': PostgreSqlHttpCacheOptions.MaxSize must be between 1048576 bytes (1 MiB) and 1099511627776 bytes (1 TiB), or null for no bound (it is {maxSize}).", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(1_000_000_000, true)]
    [InlineData(1_000_000_001, false)]
    public void Validate_MaxRows_Bounds(int maxRows, bool valid)
    {
        var result = _validator.Validate("", Valid(o => o.MaxRows = maxRows));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("PostgreSqlHttpCacheOptions.MaxRows must be between 1 and 1000000000, or null for no bound", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_NullBounds_MeanUnbounded()
    {
        var result = _validator.Validate("", Valid(o => (o.MaxSize, o.MaxRows) = (null, null)));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static PostgreSqlHttpCacheOptions Valid(Action<PostgreSqlHttpCacheOptions> change)
    {
        var options = new PostgreSqlHttpCacheOptions { ConnectionString = "Host=db;Database=app" };
        change(options);
        return options;
    }
}
