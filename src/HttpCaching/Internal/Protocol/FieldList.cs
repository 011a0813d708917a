namespace HttpCaching.Internal;

/// <summary>
/// The members of a list-based field line (RFC 9110 §5.6.1): split on the commas outside quoted strings, each trimmed,
/// empty ones dropped.
/// </summary>
internal static class FieldList
{
    /// <summary>
    /// The members of <paramref name="line"/>. With <paramref name="quotedPairs"/>, a backslash inside a quoted string
    /// escapes the next character, a quote or a comma alike (§5.6.4); without, it is a character like any other, as in
    /// an entity tag (§8.8.3).
    /// </summary>
    public static IEnumerable<string> Items(string line, bool quotedPairs)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i == line.Length || (line[i] == ',' && !quoted))
            {
                var item = line[start..i].Trim();
                if (item.Length > 0)
                {
                    yield return item;
                }

                start = i + 1;
            }
            else if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (quotedPairs && quoted && line[i] == '\\' && i + 1 < line.Length)
            {
                i++;
            }
        }
    }
}
