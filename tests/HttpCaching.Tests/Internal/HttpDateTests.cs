using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class HttpDateTests
{
    private static readonly DateTimeOffset Expected = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    // The clock the two-digit years of these tests are placed against: 2026-01-05 09:00 UTC.
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")] // IMF-fixdate
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")] // obsolete RFC 850
    [InlineData("Sun Nov  6 08:49:37 1994")] // asctime, day padded with a space
    [InlineData("Sun Nov 06 08:49:37 1994")] // asctime, day as 2DIGIT
    [InlineData("  Sun, 06 Nov 1994 08:49:37 GMT  ")] // white space around the field value
    [InlineData("\tSun, 06 Nov 1994 08:49:37 GMT\t")]
    [InlineData("SUN, 06 NOV 1994 08:49:37 GMT")] // RFC 9111 §4.2: names match case-insensitively
    [InlineData("sun, 06 nov 1994 08:49:37 gmt")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 gMT")]
    [InlineData("SUNDAY, 06-NOV-94 08:49:37 Gmt")]
    [InlineData("sUN nOV  6 08:49:37 1994")]
    public void TryParse_Rfc9110Form_Returns19941106T084937Z(string value)
    {
        Assert.True(HttpDate.TryParse(value, Now, out var result));
        Assert.Equal(Expected, result);
        Assert.Equal(TimeSpan.Zero, result.Offset);
    }

    [Theory]
    [InlineData("Thu, 01 Jan 1970 00:00:00 GMT", 1970, 1, 1, 0, 0, 0)]
    [InlineData("Tue, 29 Feb 2028 23:59:59 GMT", 2028, 2, 29, 23, 59, 59)]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT", 9999, 12, 31, 23, 59, 59)]
    [InlineData("Mon, 01 Jan 0001 00:00:00 GMT", 1, 1, 1, 0, 0, 0)]
    [InlineData("Tue, 19 Jan 2038 14:14:08 GMT", 2038, 1, 19, 14, 14, 8)]
    [InlineData("Sun, 21 Nov 2286 04:46:39 GMT", 2286, 11, 21, 4, 46, 39)]
    [InlineData("Monday, 05-Jan-26 09:00:00 GMT", 2026, 1, 5, 9, 0, 0)]
    [InlineData("Thursday, 18-Aug-50 02:01:18 GMT", 2050, 8, 18, 2, 1, 18)]
    [InlineData("Wednesday, 31-Dec-25 23:59:59 GMT", 2025, 12, 31, 23, 59, 59)]
    [InlineData("Tuesday, 29-Feb-00 12:00:00 GMT", 2000, 2, 29, 12, 0, 0)]
    [InlineData("Mon Jan 12 09:00:00 2026", 2026, 1, 12, 9, 0, 0)]
    [InlineData("Thu Aug  8 02:01:18 2050", 2050, 8, 8, 2, 1, 18)]
    [InlineData("Wed Dec 31 23:59:59 9999", 9999, 12, 31, 23, 59, 59)]
    public void TryParse_OtherValidDates_ReturnsThatInstant(string value, int year, int month, int day, int hour, int minute, int second)
    {
        Assert.True(HttpDate.TryParse(value, Now, out var result));
        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), result);
    }

    [Theory]
    [InlineData("Wed, 31 Dec 2008 23:59:60 GMT")]
    [InlineData("Wednesday, 31-Dec-08 23:59:60 GMT")]
    [InlineData("Wed Dec 31 23:59:60 2008")]
    public void TryParse_LeapSecond_ReturnsTheSecondBefore(string value)
    {
        Assert.True(HttpDate.TryParse(value, Now, out var result));
        Assert.Equal(new DateTimeOffset(2008, 12, 31, 23, 59, 59, TimeSpan.Zero), result);
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
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMTX")]
    [InlineData("Sun, 32 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 00 Nov 1994 08:49:37 GMT")]
    [InlineData("Wed, 31 Nov 1994 08:49:37 GMT")]
    [InlineData("Wed, 29 Feb 1995 08:49:37 GMT")]
    [InlineData("Sun, 06 Foo 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:60:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:60 GMT")] // a leap second is only 23:59:60
    [InlineData("Sun, 06 Nov 1994 08:49:61 GMT")]
    [InlineData("Sun, 06 Nov 0000 08:49:37 GMT")]
    [InlineData("Sat, 01 Jan 10000 00:00:00 GMT")]
    [InlineData("Sun, 06 Nov 1994")]
    [InlineData("08:49:37")]
    [InlineData("1994-11-06T08:49:37Z")]
    [InlineData("\u0000\u0001\u0002")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT")] // two field lines, joined
    // Lenient forms that used to be accepted: RFC 9110 §5.6.7 has none of them.
    [InlineData("Sun Nov 6 08:49:37 1994")] // asctime without the padding space
    [InlineData("Sun Nov  06 08:49:37 1994")]
    [InlineData("Sun, 6 Nov 1994 8:49:37 GMT")] // one-digit day and hour
    [InlineData("Sun, 06 Nov 1994 8:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 UTC")] // another zone name
    [InlineData("Sun, 06 Nov 1994 08:49:37 AEST")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 Z")]
    [InlineData("Sun, 06 Nov 1994 08:49:37")] // no zone
    [InlineData("Sun, 06 Nov 1994 10:49:37 +02:00")] // numeric zone
    [InlineData("Sun, 06 Nov 1994 08:49:37 +0000")]
    [InlineData("06 Nov 1994 08:49:37 GMT")] // no day name
    [InlineData("Sun 06 Nov 1994 08:49:37 GMT")] // missing comma
    [InlineData("Sun , 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun,06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun,  06  Nov  1994  08:49:37  GMT")] // several spaces
    [InlineData("Sun, 06  Nov 1994 08:49:37 GMT")]
    [InlineData("Sun,\t06 Nov 1994 08:49:37 GMT")] // a tab for a space
    [InlineData("Sun, 06-Nov-1994 08:49:37 GMT")] // dashes in an IMF-fixdate
    [InlineData("Sunday, 06-Nov-1994 08:49:37 GMT")] // RFC 850 with a four-digit year
    [InlineData("Sun, 06 Nov 94 08:49:37 GMT")] // IMF-fixdate with a two-digit year
    [InlineData("Sun, 06 Nov 1994 08.49.37 GMT")] // time periods
    [InlineData("Sunday, 06 Nov 1994 08:49:37 GMT")] // long day name in an IMF-fixdate
    [InlineData("Sun, 06-Nov-94 08:49:37 GMT")] // short day name in an RFC 850 date
    [InlineData("Sunda, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sunday, 6-Nov-94 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 UTC")]
    [InlineData("Sunday, 06-November-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 94")] // asctime with a two-digit year
    [InlineData("Sun Nov  6 08:49:37 1994 GMT")]
    [InlineData("Sun Nov  6 08:49:37  1994")]
    [InlineData("Sun, \uFF10\uFF16 Nov 1994 08:49:37 GMT")] // digits other than ASCII
    [InlineData("Sun, 06 N\u00F6v 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 G\u039CT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 \u0130MT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 G@T")] // '@' | 0x20 is '`': not a letter
    public void TryParse_InvalidInput_ReturnsFalse(string? value)
    {
        Assert.False(HttpDate.TryParse(value, Now, out var result));
        Assert.Equal(default, result);
        Assert.False(HttpDate.TryParse(value, out _));
    }

    [Theory]
    // Not more than 50 years ahead: this century (or the next).
    [InlineData("2026-01-05T09:00:00Z", "Thursday, 18-Aug-50 02:01:18 GMT", 2050)]
    [InlineData("2026-01-05T09:00:00Z", "Sunday, 05-Jan-76 09:00:00 GMT", 2076)] // exactly 50 years
    [InlineData("2080-01-01T00:00:00Z", "Thursday, 01-Jan-99 00:00:00 GMT", 2099)]
    [InlineData("2099-06-01T00:00:00Z", "Friday, 01-Jan-00 00:00:00 GMT", 2100)]
    [InlineData("2080-01-01T00:00:00Z", "Tuesday, 01-Jan-30 00:00:00 GMT", 2130)] // exactly 50 years
    // More than 50 years ahead: the most recent year in the past with those digits.
    [InlineData("2026-01-05T09:00:00Z", "Monday, 05-Jan-76 09:00:01 GMT", 1976)] // one second over
    [InlineData("2026-01-05T09:00:00Z", "Saturday, 01-Jan-77 00:00:00 GMT", 1977)]
    [InlineData("2026-01-05T09:00:00Z", "Sunday, 06-Nov-94 08:49:37 GMT", 1994)]
    [InlineData("1980-01-01T00:00:00Z", "Monday, 01-Jan-40 00:00:00 GMT", 1940)]
    [InlineData("2080-01-01T00:00:00Z", "Tuesday, 01-Jan-30 00:00:01 GMT", 2030)]
    [InlineData("9990-01-01T00:00:00Z", "Monday, 01-Jan-05 00:00:00 GMT", 9905)] // 10005 cannot be
    public void TryParse_Rfc850TwoDigitYear_IsPlacedRelativeToNow(string now, string value, int year)
    {
        Assert.True(HttpDate.TryParse(value, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), out var result));
        Assert.Equal(year, result.Year);
    }

    [Fact]
    public void TryParse_Rfc850Feb29InACenturyThatIsNotLeap_ReturnsFalse()
    {
        // In 2080 "00" is 2100, which has no 29 February.
        Assert.False(HttpDate.TryParse("Monday, 29-Feb-00 00:00:00 GMT", new DateTimeOffset(2080, 1, 1, 0, 0, 0, TimeSpan.Zero), out _));
        Assert.True(HttpDate.TryParse("Tuesday, 29-Feb-00 00:00:00 GMT", Now, out var result));
        Assert.Equal(2000, result.Year);
    }

    [Fact]
    public void TryParse_Rfc850YearBeforeYearOne_ReturnsFalse()
    {
        Assert.False(HttpDate.TryParse("Friday, 01-Jan-99 00:00:00 GMT", new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero), out _));
    }

    [Theory]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT", 1994)]
    [InlineData("Thursday, 18-Aug-50 02:01:18 GMT", 2050)]
    [InlineData("Thursday, 01-Jan-70 00:00:00 GMT", 1970)]
    [InlineData("Wednesday, 31-Dec-69 23:59:59 GMT", 2069)]
    public void TryParse_WithoutClock_Rfc850YearInRfc6265Window(string value, int year)
    {
        Assert.True(HttpDate.TryParse(value, out var result));
        Assert.Equal(year, result.Year);
    }

    [Fact]
    public void TryParse_ValidForms_AllocateNothing()
    {
        const string imf = "Sun, 06 Nov 1994 08:49:37 GMT";
        const string rfc850 = "Sunday, 06-Nov-94 08:49:37 GMT";
        const string asctime = "Sun Nov  6 08:49:37 1994";
        const string invalid = "Sun, 06 Nov 1994 08:49:37 UTC";
        Assert.True(HttpDate.TryParse(imf, Now, out _)); // JIT and static initialisation first

        var before = GC.GetAllocatedBytesForCurrentThread();
        var parsed = 0;
        for (var i = 0; i < 100; i++)
        {
            parsed += HttpDate.TryParse(imf, Now, out _) ? 1 : 0;
            parsed += HttpDate.TryParse(rfc850, Now, out _) ? 1 : 0;
            parsed += HttpDate.TryParse(asctime, Now, out _) ? 1 : 0;
            parsed += HttpDate.TryParse(invalid, Now, out _) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(300, parsed);
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

        Assert.False(HttpDate.TryParse(padded, Now, out _));
        Assert.False(HttpDate.TryParse(garbage, Now, out _));
        Assert.False(HttpDate.TryParse(new string('9', length), Now, out _));
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
            if (HttpDate.TryParse(value, Now, out var result))
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
            Assert.True(HttpDate.TryParse(formatted, Now, out var parsed), formatted);
            Assert.Equal(instant, parsed);
            Assert.Equal(29, formatted.Length);
        }
    }

    [Theory]
    [InlineData("Mon, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Monday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Mon Nov  6 08:49:37 1994")]
    public void TryParse_DayNameThatDisagreesWithTheDate_StillParses(string value)
    {
        Assert.True(HttpDate.TryParse(value, Now, out var parsed));
        Assert.Equal(Expected, parsed);
    }

    [Theory]
    [InlineData("Someday, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, Sun, 06 Nov 1994 08:49:37 GMT")]
    public void TryParse_UnknownDayName_ReturnsFalse(string value)
    {
        Assert.False(HttpDate.TryParse(value, Now, out _));
    }
}
