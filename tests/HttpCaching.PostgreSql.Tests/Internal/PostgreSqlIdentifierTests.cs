using HttpCaching.PostgreSql.Internal;

namespace HttpCaching.PostgreSql.Tests.Internal;

public sealed class PostgreSqlIdentifierTests
{
    [Fact]
    public void Quote_ValidName_AddsDoubleQuotes()
    {
        Assert.Equal("\"Cache_1\"", PostgreSqlIdentifier.Quote("Cache_1"));
    }

    [Fact]
    public void Quote_InvalidName_Throws()
    {
        Assert.Throws<ArgumentException>(() => PostgreSqlIdentifier.Quote("a\"b"));
    }

    [Fact]
    public void IsValid_63CharactersButNot64()
    {
        Assert.True(PostgreSqlIdentifier.IsValid(new string('a', 63)));
        Assert.False(PostgreSqlIdentifier.IsValid(new string('a', 64)));
        Assert.False(PostgreSqlIdentifier.IsValid(null));
    }

    [Fact]
    public void LockKey_IsStablePerSchemaAndDiffersBetweenSchemas()
    {
        Assert.Equal(SchemaMigrator.LockKey("httpcaching"), SchemaMigrator.LockKey("httpcaching"));
        Assert.NotEqual(SchemaMigrator.LockKey("httpcaching"), SchemaMigrator.LockKey("other"));
    }
}
