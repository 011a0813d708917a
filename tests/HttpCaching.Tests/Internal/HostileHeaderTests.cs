using System.Net;
using HttpCaching.Internal;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// Header parsing is total: any byte string in a Vary, If-None-Match or Age field gives a defined result, never an
/// exception. Random inputs from a hostile alphabet, seeded so runs repeat.
/// </summary>
public sealed class HostileHeaderTests
{
    private const string Alphabet = "\",=;\\ \t*/Ww0123456789abcXYZ-_\u00e9\u0000\u0001\u007f\r\n\u2028";

    public static TheoryData<int> Seeds => [1, 2, 3];

    private static IEnumerable<string> RandomValues(int seed, int count = 2000)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(0, 120);
            yield return string.Create(length, random, static (span, r) =>
            {
                for (var j = 0; j < span.Length; j++)
                {
                    span[j] = Alphabet[r.Next(Alphabet.Length)];
                }
            });
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EntityTags_AnyInput_NeverThrowsAndYieldsTrimmedNonEmptyTags(int seed)
    {
        foreach (var value in RandomValues(seed))
        {
            foreach (var tag in Conditionals.EntityTags(value))
            {
                Assert.False(string.IsNullOrWhiteSpace(tag));
                Assert.Equal(tag.Trim(), tag);
            }
        }
    }

    [Theory]
    [InlineData("\"a\", \"b\"", new[] { "\"a\"", "\"b\"" })]
    [InlineData("\"a,b\", W/\"c\"", new[] { "\"a,b\"", "W/\"c\"" })]
    [InlineData(" , ,\"x\",, ", new[] { "\"x\"" })]
    [InlineData("*", new[] { "*" })]
    [InlineData("\"unterminated, \"x\"", new[] { "\"unterminated, \"x\"" })]
    public void EntityTags_Table_SplitsOnCommasOutsideQuotes(string value, string[] expected)
    {
        Assert.Equal(expected, Conditionals.EntityTags(value));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void VaryNames_AnyInput_NeverThrowsAndYieldsSortedLowerCaseNames(int seed)
    {
        foreach (var value in RandomValues(seed, 500))
        {
            using var response = new HttpResponseMessage(HttpStatusCode.OK);
            if (!response.Headers.TryAddWithoutValidation("Vary", value))
            {
                continue;
            }

            var names = Variants.Names(response);
            if (names is null || Variants.IsStar(names))
            {
                continue;
            }

            Assert.All(names, n => Assert.Equal(n.ToLowerInvariant(), n));
            Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), names);
            Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        }
    }

    [Theory]
    [InlineData("Accept-Language, accept-language,ACCEPT", new[] { "accept", "accept-language" })]
    [InlineData("Accept, *", new[] { "*" })]
    [InlineData(" , ", null)]
    public void VaryNames_Table(string value, string[]? expected)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Vary", value);

        Assert.Equal(expected, Variants.Names(response));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Handler_HostileResponseHeaders_NeverFailTheRequest(int seed)
    {
        using var harness = new Helpers.CachingHarness();
        var values = RandomValues(seed, 60).ToArray();
        var index = 0;
        harness.Origin.When("https://hostile.example.test/*").Respond(_ =>
        {
            var value = values[index++ % values.Length];
            var response = harness.Response("body", value);
            foreach (var name in new[] { "Age", "Vary", "ETag", "Expires", "Date", "Last-Modified" })
            {
                if (!response.Headers.TryAddWithoutValidation(name, value))
                {
                    response.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return response;
        });

        for (var i = 0; i < values.Length; i++)
        {
            using var response = await harness.GetAsync($"https://hostile.example.test/{i % 7}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("body", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }
}
