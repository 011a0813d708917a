using HttpCaching.Proxy.Internal;

namespace HttpCaching.Proxy.Tests.Internal;

public sealed class HeaderNameComparerTests
{
    [Theory]
    [InlineData("X-Api-Key", "X-Api-Key")]
    [InlineData("X-Api-Key", "x_api_key")]
    [InlineData("X_API_KEY", "x-api-key")]
    [InlineData("X-Api_Key", "X_Api-Key")]
    public void Equals_SameDashedSpelling_TrueWithTheSameHash(string x, string y)
    {
        Assert.True(HeaderNameComparer.Instance.Equals(x, y));
        Assert.Equal(HeaderNameComparer.Instance.GetHashCode(x), HeaderNameComparer.Instance.GetHashCode(y));
    }

    [Theory]
    [InlineData("X-Api-Key", "X-Api-Keys")]
    [InlineData("X-Api-Key", "XApi-Key")]
    [InlineData("X-Api-Key", "X.Api.Key")]
    [InlineData("X-Api-Key", null)]
    public void Equals_OtherName_False(string x, string? y) => Assert.False(HeaderNameComparer.Instance.Equals(x, y));

    [Theory]
    [InlineData("X_Forwarded_Host")]
    [InlineData("x_forwarded-for")]
    public void IsUnderscoreSpelling_UnkeyedFieldWithUnderscores_True(string name) =>
        Assert.True(UnkeyedRequestHeaders.IsUnderscoreSpelling(name));

    [Theory]
    [InlineData("X-Forwarded-Host")]
    [InlineData("X_Custom")]
    public void IsUnderscoreSpelling_DashedOrOtherField_False(string name) =>
        Assert.False(UnkeyedRequestHeaders.IsUnderscoreSpelling(name));
}
