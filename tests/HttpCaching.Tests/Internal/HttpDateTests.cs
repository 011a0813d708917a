using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class HttpDateTests
{
    private static readonly DateTimeOffset Expected = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")] // IMF-fixdate
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")] // obsolete RFC 850
    [InlineData("Sun Nov  6 08:49:37 1994")] // asctime, day padded with a space
    [InlineData("Sun Nov 6 08:49:37 1994")]
    [InlineData("Sun Nov 06 08:49:37 1994")]
    [InlineData("  Sun, 06 Nov 1994 08:49:37 GMT  ")]
    [InlineData("\tSun, 06 Nov 1994 08:49:37 GMT\t")]
    [InlineData("Sun, 6 Nov 1994 8:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 UTC")]
    [InlineData("Sun, 06 Nov 1994 08:49:37")]
    [InlineData("06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-1994 08:49:37 GMT")]
    [InlineData("Sun, 06-Nov-1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 10:49:37 +02:00")]
    [InlineData("Sun,  06  Nov  1994  08:49:37  GMT")]
    public void TryParse_SupportedForm_Returns19941106T084937Z(string value)
    {
        Assert.True(HttpDate.TryParse(value, out var result));
        Assert.Equal(Expected, result);
        Assert.Equal(Expected.UtcDateTime, result.UtcDateTime);
    }

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    public void TryParse_ThreeRfc9110Forms_ResultHasZeroOffset(string value)
    {
        Assert.True(HttpDate.TryParse(value, out var result));
        Assert.Equal(TimeSpan.Zero, result.Offset);
        Assert.Equal(Expected.UtcTicks, result.UtcTicks);
    }

    [Theory]
    [InlineData("Thu, 01 Jan 1970 00:00:00 GMT", 1970, 1, 1, 0, 0, 0)]
    [InlineData("Tue, 29 Feb 2028 23:59:59 GMT", 2028, 2, 29, 23, 59, 59)]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT", 9999, 12, 31, 23, 59, 59)]
    [InlineData("Monday, 05-Jan-26 09:00:00 GMT", 2026, 1, 5, 9, 0, 0)]
    [InlineData("Mon Jan 12 09:00:00 2026", 2026, 1, 12, 9, 0, 0)]
    [InlineData("Thursday, 01-Jan-70 00:00:00 GMT", 1970, 1, 1, 0, 0, 0)]
    public void TryParse_OtherValidDates_ReturnsThatInstant(string value, int year, int month, int day, int hour, int minute, int second)
    {
        Assert.True(HttpDate.TryParse(value, out var result));
        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), result);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\t")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1")]
    [InlineData("784111777")]
    [InlineData("garbage")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT garbage")]
    [InlineData("Sun, 32 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 00 Nov 1994 08:49:37 GMT")]
    [InlineData("Wed, 31 Nov 1994 08:49:37 GMT")]
    [InlineData("Wed, 29 Feb 1995 08:49:37 GMT")]
    [InlineData("Sun, 06 Foo 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:60:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:61 GMT")]
    [InlineData("Sat, 01 Jan 10000 00:00:00 GMT")]
    [InlineData("Sun, 06 Nov 1994")]
    [InlineData("08:49:37")]
    [InlineData("1994-11-06T08:49:37Z")]
    [InlineData("\u0000\u0001\u0002")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT")]
    public void TryParse_InvalidInput_ReturnsFalse(string? value)
    {
        Assert.False(HttpDate.TryParse(value, out var result));
        Assert.Equal(default, result);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(200)]
    [InlineData(10_000)]
    [InlineData(1_000_000)]
    public void TryParse_VeryLongInput_ReturnsFalse(int length)
    {
        var padded = "Sun, 06 Nov 1994 08:49:37 GMT" + new string(' ', length);
        var garbage = string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = "Sun, 06 Nov 1994 08:49:37 GMT"[i % 29];
            }
        });

        Assert.False(HttpDate.TryParse(padded, out _));
        Assert.False(HttpDate.TryParse(garbage, out _));
        Assert.False(HttpDate.TryParse(new string('9', length), out _));
    }

    [Fact]
    public void TryParse_RandomInput_NeverThrows()
    {
        const string alphabet = "SunMoTeWdhFrSaJnFbMpAyJlgOcNvD0123456789 ,:-GMTUC+\t\"\\\0\u00e9\u2028";
        var random = new Random(1234);
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 80)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var value = new string(chars);
            if (HttpDate.TryParse(value, out var result))
            {
                // Any accepted value must be one of the recognised shapes, so it contains a year, a time and a day.
                Assert.Contains(':', value);
                Assert.InRange(result.Year, 1, 9999);
            }
        }
    }

    [Fact]
    public void Format_UtcInstant_ReturnsImfFixdate()
    {
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(Expected));
    }

    [Fact]
    public void Format_NonUtcOffset_ConvertsToGmt()
    {
        var local = new DateTimeOffset(1994, 11, 6, 3, 49, 37, TimeSpan.FromHours(-5));

        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(local));
    }

    [Fact]
    public void Format_SubSecondPrecision_IsTruncated()
    {
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(Expected.AddMilliseconds(999)));
    }

    [Fact]
    public void Format_ThenTryParse_RoundTripsSecondPrecisionInstants()
    {
        var random = new Random(1234);
        var min = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks / TimeSpan.TicksPerSecond;
        var max = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).UtcTicks / TimeSpan.TicksPerSecond;
        var samples = new List<DateTimeOffset>
        {
            new(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero),
            new(2000, 2, 29, 12, 0, 0, TimeSpan.Zero),
            Expected,
        };
        for (var i = 0; i < 1000; i++)
        {
            samples.Add(new DateTimeOffset(random.NextInt64(min, max + 1) * TimeSpan.TicksPerSecond, TimeSpan.Zero));
        }

        foreach (var instant in samples)
        {
            var formatted = HttpDate.Format(instant);
            Assert.True(HttpDate.TryParse(formatted, out var parsed), formatted);
            Assert.Equal(instant, parsed);
            Assert.Equal(29, formatted.Length);
        }
    }

    [Theory]
    [InlineData("Mon, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Monday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Mon Nov  6 08:49:37 1994")]
    [InlineData("06 Nov 1994 08:49:37 GMT")]
    public void TryParse_WrongOrMissingDayName_StillParses(string value)
    {
        Assert.True(HttpDate.TryParse(value, out var parsed));
        Assert.Equal(new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), parsed);
    }

    [Theory]
    [InlineData("Someday, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, Sun, 06 Nov 1994 08:49:37 GMT")]
    public void TryParse_UnknownDayName_ReturnsFalse(string value)
    {
        Assert.False(HttpDate.TryParse(value, out _));
    }
}
