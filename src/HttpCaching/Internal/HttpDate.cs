using System.Globalization;

namespace HttpCaching.Internal;

/// <summary>HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime, parsed leniently.</summary>
internal static class HttpDate
{
    private static readonly string[] Formats =
    [
        "r", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "ddd, d MMM yyyy H:m:s 'GMT'",
        "ddd, d MMM yyyy H:m:s 'UTC'",
        "ddd, d MMM yyyy H:m:s",
        "d MMM yyyy H:m:s 'GMT'",
        "dddd, d'-'MMM'-'yy H:m:s 'GMT'", // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        "dddd, d'-'MMM'-'yyyy H:m:s 'GMT'",
        "ddd, d'-'MMM'-'yyyy H:m:s 'GMT'",
        "ddd MMM d H:m:s yyyy", // asctime: Sun Nov  6 08:49:37 1994
        "ddd, d MMM yyyy H:m:s zzz",
    ];

    /// <summary>Parses an HTTP date; any other input, including an empty or hostile one, returns <see langword="false"/>.</summary>
    public static bool TryParse(string? value, out DateTimeOffset result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(value) || value.Length > 64)
        {
            return false;
        }

        var trimmed = value.Trim();

        // asctime pads single-digit days with a second space: collapse runs of spaces.
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

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
