using System.Globalization;

namespace HttpCaching.Internal;

/// <summary>
/// HTTP dates (RFC 9110 §5.6.7), parsed exactly: the IMF-fixdate <c>Sun, 06 Nov 1994 08:49:37 GMT</c>, the obsolete
/// RFC 850 form <c>Sunday, 06-Nov-94 08:49:37 GMT</c> and asctime's <c>Sun Nov  6 08:49:37 1994</c>; anything else is
/// invalid.
/// </summary>
/// <remarks>
/// <para>
/// Day names, month names and <c>GMT</c> match without regard to case (RFC 9111 §4.2 asks caches to); every other
/// character must be exactly where the grammar puts it: one space where it has <c>SP</c>, two digits for the day, hour,
/// minute and second (asctime's day may be a space and one digit), four for the year (two in the RFC 850 form). The
/// day name must be one of the seven, in the form's length, but need not agree with the date. The date must exist;
/// hours run 00-23, minutes and seconds 00-59, and the leap second <c>23:59:60</c> reads as <c>23:59:59</c>, the
/// nearest earlier instant (RFC 9111 §4.2). Space and tab around the value are ignored; a value of more than 64
/// characters is refused before it is looked at.
/// </para>
/// <para>
/// An RFC 850 two-digit year is read relative to the current time (RFC 9110 §5.6.7): it is the latest year with those
/// two digits that is not more than 50 years after <c>now</c>, so a date that would be more than 50 years in the future
/// is in the past century.
/// </para>
/// <para>Parsing is span-based and allocates nothing.</para>
/// </remarks>
internal static class HttpDate
{
    private const int MaxInputLength = 64;

    // The end of the last second DateTimeOffset can hold, as a comparable number (see Key).
    private const long MaxKey = 99_991_231_235_959;

    /// <summary>
    /// Parses an HTTP date; any other input, including an empty or hostile one, returns <see langword="false"/>.
    /// <paramref name="now"/> (from the <see cref="TimeProvider"/>) places an RFC 850 two-digit year.
    /// </summary>
    public static bool TryParse(string? value, DateTimeOffset now, out DateTimeOffset result) =>
        TryParse(value.AsSpan(), now, out result);

    /// <inheritdoc cref="TryParse(string?, DateTimeOffset, out DateTimeOffset)"/>
    public static bool TryParse(ReadOnlySpan<char> value, DateTimeOffset now, out DateTimeOffset result) =>
        TryParseCore(value, LimitKey(now), out result);

    /// <summary>
    /// Parses an HTTP date where no clock reading is at hand. The only difference is the RFC 850 two-digit year, which
    /// is read as RFC 6265 §5.1.1 reads one: 70-99 as 1970-1999, 00-69 as 2000-2069. Callers that know the current time
    /// use <see cref="TryParse(string?, DateTimeOffset, out DateTimeOffset)"/>.
    /// </summary>
    public static bool TryParse(string? value, out DateTimeOffset result) => TryParseCore(value.AsSpan(), limitKey: -1, out result);

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    // limitKey: the Key of the last second not more than 50 years after now, the latest an RFC 850 date may be;
    // negative for the fixed RFC 6265 window.
    private static bool TryParseCore(ReadOnlySpan<char> value, long limitKey, out DateTimeOffset result)
    {
        result = default;
        if (value.Length > MaxInputLength)
        {
            return false;
        }

        value = value.Trim(" \t");
        int year, month, day, time;
        if (value.Length == 29 && value[3] == ',')
        {
            // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
            if (!IsDayName(value[..3])
                || value[4] != ' '
                || !TryTwoDigits(value, 5, out day)
                || value[7] != ' '
                || (month = Month(value.Slice(8, 3))) == 0
                || value[11] != ' '
                || !TryFourDigits(value, 12, out year)
                || value[16] != ' '
                || !TryTime(value, 17, out time)
                || value[25] != ' '
                || !IsGmt(value[26..]))
            {
                return false;
            }
        }
        else if (value.Length == 24 && value[3] == ' ')
        {
            // asctime: "Sun Nov  6 08:49:37 1994" or "Sun Nov 06 08:49:37 1994"
            if (!IsDayName(value[..3])
                || (month = Month(value.Slice(4, 3))) == 0
                || value[7] != ' '
                || !(value[8] == ' ' ? TryDigit(value[9], out day) : TryTwoDigits(value, 8, out day))
                || value[10] != ' '
                || !TryTime(value, 11, out time)
                || value[19] != ' '
                || !TryFourDigits(value, 20, out year))
            {
                return false;
            }
        }
        else
        {
            // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT", the full day name then 24 characters.
            var comma = value.Length - 24;
            if (comma < 6
                || !IsLongDayName(value[..comma])
                || value[comma] != ','
                || value[comma + 1] != ' '
                || !TryTwoDigits(value, comma + 2, out day)
                || value[comma + 4] != '-'
                || (month = Month(value.Slice(comma + 5, 3))) == 0
                || value[comma + 8] != '-'
                || !TryTwoDigits(value, comma + 9, out var twoDigitYear)
                || value[comma + 11] != ' '
                || !TryTime(value, comma + 12, out time)
                || value[comma + 20] != ' '
                || !IsGmt(value[(comma + 21)..]))
            {
                return false;
            }

            year = FullYear(twoDigitYear, month, day, time, limitKey);
        }

        if (year is < 1 or > 9999 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        result = new DateTimeOffset(year, month, day, time / 10000, time / 100 % 100, time % 100, TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// RFC 9110 §5.6.7: the latest year ending in <paramref name="twoDigits"/> whose date is not more than 50 years after
    /// now (so one that would be is in the past century); without a clock, RFC 6265's fixed 1970-2069 window.
    /// </summary>
    private static int FullYear(int twoDigits, int month, int day, int time, long limitKey)
    {
        if (limitKey < 0)
        {
            return twoDigits < 70 ? 2000 + twoDigits : 1900 + twoDigits;
        }

        var limitYear = (int)(limitKey / 10_000_000_000);
        var year = limitYear - (limitYear % 100) + twoDigits;
        return Key(year, month, day, time) > limitKey ? year - 100 : year;
    }

    /// <summary>The <see cref="Key"/> of the last whole second not more than 50 years after <paramref name="now"/>.</summary>
    private static long LimitKey(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        if (utc.Year > 9999 - 50)
        {
            return MaxKey;
        }

        var limit = utc.AddYears(50);
        return Key(limit.Year, limit.Month, limit.Day, (limit.Hour * 10000) + (limit.Minute * 100) + limit.Second);
    }

    /// <summary>A date and time as one number that orders like the instants: <c>yyyyMMddHHmmss</c>.</summary>
    private static long Key(int year, int month, int day, int time) =>
        (year * 10_000_000_000L) + (month * 100_000_000L) + (day * 1_000_000L) + time;

    /// <summary><c>HH:MM:SS</c> at <paramref name="start"/> as <c>HHMMSS</c>; the leap second 23:59:60 as 23:59:59.</summary>
    private static bool TryTime(ReadOnlySpan<char> value, int start, out int time)
    {
        time = 0;
        if (!TryTwoDigits(value, start, out var hour)
            || value[start + 2] != ':'
            || !TryTwoDigits(value, start + 3, out var minute)
            || value[start + 5] != ':'
            || !TryTwoDigits(value, start + 6, out var second)
            || hour > 23
            || minute > 59)
        {
            return false;
        }

        if (second == 60 && hour == 23 && minute == 59)
        {
            second = 59;
        }
        else if (second > 59)
        {
            return false;
        }

        time = (hour * 10000) + (minute * 100) + second;
        return true;
    }

    private static bool TryDigit(char c, out int digit)
    {
        digit = c - '0';
        return (uint)digit <= 9;
    }

    private static bool TryTwoDigits(ReadOnlySpan<char> value, int start, out int number)
    {
        number = 0;
        if (!TryDigit(value[start], out var tens) || !TryDigit(value[start + 1], out var ones))
        {
            return false;
        }

        number = (tens * 10) + ones;
        return true;
    }

    private static bool TryFourDigits(ReadOnlySpan<char> value, int start, out int number)
    {
        number = 0;
        if (!TryTwoDigits(value, start, out var high) || !TryTwoDigits(value, start + 2, out var low))
        {
            return false;
        }

        number = (high * 100) + low;
        return true;
    }

    /// <summary>The three letters, lower-cased, as one number; 0 when one of them is not an ASCII letter.</summary>
    private static int Letters(ReadOnlySpan<char> three)
    {
        var key = 0;
        foreach (var c in three)
        {
            if (!char.IsAsciiLetter(c))
            {
                return 0;
            }

            key = (key << 8) | (c | 0x20);
        }

        return key;
    }

    private static int Pack(char a, char b, char c) => (a << 16) | (b << 8) | c;

    private static bool IsGmt(ReadOnlySpan<char> value) => Letters(value) == Pack('g', 'm', 't');

    private static bool IsDayName(ReadOnlySpan<char> value)
    {
        var key = Letters(value);
        return key == Pack('m', 'o', 'n') || key == Pack('t', 'u', 'e') || key == Pack('w', 'e', 'd') || key == Pack('t', 'h', 'u')
            || key == Pack('f', 'r', 'i') || key == Pack('s', 'a', 't') || key == Pack('s', 'u', 'n');
    }

    private static bool IsLongDayName(ReadOnlySpan<char> value) =>
        value.Equals("Monday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Tuesday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Wednesday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Thursday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Friday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Saturday", StringComparison.OrdinalIgnoreCase)
        || value.Equals("Sunday", StringComparison.OrdinalIgnoreCase);

    /// <summary>The month 1-12 of a three-letter month name, or 0.</summary>
    private static int Month(ReadOnlySpan<char> value)
    {
        var key = Letters(value);
        return key switch
        {
            ('j' << 16) | ('a' << 8) | 'n' => 1,
            ('f' << 16) | ('e' << 8) | 'b' => 2,
            ('m' << 16) | ('a' << 8) | 'r' => 3,
            ('a' << 16) | ('p' << 8) | 'r' => 4,
            ('m' << 16) | ('a' << 8) | 'y' => 5,
            ('j' << 16) | ('u' << 8) | 'n' => 6,
            ('j' << 16) | ('u' << 8) | 'l' => 7,
            ('a' << 16) | ('u' << 8) | 'g' => 8,
            ('s' << 16) | ('e' << 8) | 'p' => 9,
            ('o' << 16) | ('c' << 8) | 't' => 10,
            ('n' << 16) | ('o' << 8) | 'v' => 11,
            ('d' << 16) | ('e' << 8) | 'c' => 12,
            _ => 0,
        };
    }
}
