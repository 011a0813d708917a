using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>List members of a field line: commas outside quoted strings split, quoted pairs escape only when asked.</summary>
public sealed class FieldListTests
{
    [Theory]
    [InlineData("a, b ,c", true, new[] { "a", "b", "c" })]
    [InlineData(" , a,, ", true, new[] { "a" })]
    [InlineData("\"a, b\", c", true, new[] { "\"a, b\"", "c" })]
    [InlineData("\"a\\\", b\", c", true, new[] { "\"a\\\", b\"", "c" })]
    [InlineData("\"a\\\", b\", c", false, new[] { "\"a\\\"", "b\", c" })]
    [InlineData("\"a\\", true, new[] { "\"a\\" })]
    [InlineData("x, \"a\\", true, new[] { "x", "\"a\\" })]
    public void Items_Table(string line, bool quotedPairs, string[] expected) =>
        Assert.Equal(expected, FieldList.Items(line, quotedPairs).ToArray());
}
