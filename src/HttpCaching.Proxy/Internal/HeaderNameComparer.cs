namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Compares header names case-insensitively on their dashed spelling: <c>X_Api_Key</c> is <c>X-Api-Key</c>. Servers
/// that read <c>_</c> as <c>-</c> (nginx with <c>underscores_in_headers</c>, CGI and WSGI stacks, which turn both into
/// <c>HTTP_X_API_KEY</c>) take one for the other, so a caller's underscore spelling of a field the proxy sets or
/// withholds must be treated as that field.
/// </summary>
internal sealed class HeaderNameComparer : IEqualityComparer<string>
{
    /// <summary>The one instance.</summary>
    public static readonly HeaderNameComparer Instance = new();

    private HeaderNameComparer()
    {
    }

    public bool Equals(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (Normalise(x[i]) != Normalise(y[i]))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(string obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = default(HashCode);
        foreach (var c in obj)
        {
            hash.Add(Normalise(c));
        }

        return hash.ToHashCode();
    }

    /// <summary>The character as it is compared: <c>_</c> as <c>-</c>, ASCII letters in upper case, others as they are.</summary>
    private static char Normalise(char c) => c switch
    {
        '_' => '-',
        >= 'a' and <= 'z' => (char)(c - ('a' - 'A')),
        _ => c,
    };
}
