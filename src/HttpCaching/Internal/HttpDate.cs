using System.Globalization;

namespace HttpCaching.Internal;

/// <summary>HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime, parsed leniently.</summary>
internal static class HttpDate
{
    // The day name is removed before parsing: RFC 9110 asks recipients to be lenient, and a day name that does not
    // match the date must not turn an Expires or Last-Modified into garbage.
    private static readonly string[] Formats =
    [
        "d MMM yyyy H:m:s 'GMT'", // IMF-fixdate: [Sun, ]06 Nov 1994 08:49:37 GMT
        "d MMM yyyy H:m:s 'UTC'",
        "d MMM yyyy H:m:s",
        "d MMM yyyy H:m:s zzz",
        "d'-'MMM'-'yy H:m:s 'GMT'", // RFC 850: [Sunday, ]06-Nov-94 08:49:37 GMT
        "d'-'MMM'-'yyyy H:m:s 'GMT'",
        "MMM d H:m:s yyyy", // asctime: [Sun ]Nov  6 08:49:37 1994
    ];

    /// <summary>Parses an HTTP date; any other input, including an empty or hostile one, returns <see langword="false"/>.</summary>
    public static bool TryParse(string? value, out DateTimeOffset result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(value) || value.Length > 64)
        {
            return false;
        }

        var text = value.AsSpan().Trim();

        // Drop a leading day name: "Sun, ", "Sunday, " or asctime's "Sun ".
        if (text.Length > 0 && char.IsAsciiLetter(text[0]))
        {
            var end = 0;
            while (end < text.Length && char.IsAsciiLetter(text[end]))
            {
                end++;
            }

            var name = text[..end];
            if (IsDayName(name))
            {
                text = text[end..].TrimStart(',').TrimStart();
            }
        }

        // asctime pads single-digit days with a second space: collapse runs of spaces.
        var trimmed = text.ToString();
        if (trimmed.Contains("  ", StringComparison.Ordinal))
        {
            trimmed = string.Join(' ', trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return DateTimeOffset.TryParseExact(
            trimmed,
            Formats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces,
            out result);
    }

    private static bool IsDayName(ReadOnlySpan<char> name)
    {
        foreach (var day in CultureInfo.InvariantCulture.DateTimeFormat.DayNames)
        {
            if (name.Equals(day, StringComparison.OrdinalIgnoreCase) || name.Equals(day.AsSpan(0, 3), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
