namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The schema and table names the store accepts. They go into SQL text, so they are checked against a strict pattern
/// (a letter or underscore, then letters, digits or underscores, 63 at most) and always quoted.
/// </summary>
internal static class PostgreSqlIdentifier
{
    /// <summary>PostgreSQL's limit (NAMEDATALEN - 1); longer names would be truncated silently.</summary>
    public const int MaxLength = 63;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Quotes a name that <see cref="IsValid"/> accepted; such a name holds no quote to escape.</summary>
    public static string Quote(string name) => IsValid(name)
        ? string.Concat("\"", name, "\"")
        : throw new ArgumentException("Not a valid PostgreSQL identifier.", nameof(name));
}
