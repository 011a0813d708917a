using System.Net.Http.Headers;

namespace HttpCaching.Internal;

/// <summary>Copies, looks up and merges stored header fields.</summary>
internal static class CachedHeaders
{
    /// <summary>
    /// The fields of <paramref name="headers"/> that may be stored: not hop-by-hop, not named in <c>Connection</c>, not
    /// excluded by <paramref name="exclude"/>, and not among the field names of <c>private="…"</c> (shared caches) or
    /// <c>no-cache="…"</c>, which are dropped so that the rest of the response can be reused (RFC 9111 §5.2.2.4, §5.2.2.7).
    /// </summary>
    public static CachedHeader[] Collect(HttpHeaders headers, in CacheControl directives, bool shared, Func<string, bool> exclude)
    {
        var nonValidated = headers.NonValidated;
        if (nonValidated.Count == 0)
        {
            return [];
        }

        string? connection = null;
        if (nonValidated.TryGetValues("Connection", out var connectionValues))
        {
            connection = string.Join(',', connectionValues);
        }

        var result = new List<CachedHeader>(nonValidated.Count);
        foreach (var (name, values) in nonValidated)
        {
            if (exclude(name)
                || (connection is not null && ListContains(connection, name))
                || (shared && directives.PrivateFields is { } privateFields && ListContains(privateFields, name))
                || (directives.NoCacheFields is { } noCacheFields && ListContains(noCacheFields, name)))
            {
                continue;
            }

            var array = new string[values.Count];
            var i = 0;
            foreach (var value in values)
            {
                array[i++] = value;
            }

            result.Add(new CachedHeader(name, array));
        }

        return [.. result];
    }

    /// <summary>
    /// <paramref name="headers"/> without the fields that <c>private="…"</c> (shared caches) or <c>no-cache="…"</c> of
    /// <paramref name="directives"/> name (RFC 9111 §5.2.2.4, §5.2.2.7); the same array when none is named.
    /// </summary>
    public static CachedHeader[] Without(CachedHeader[] headers, in CacheControl directives, bool shared)
    {
        var privateFields = shared ? directives.PrivateFields : null;
        var noCacheFields = directives.NoCacheFields;
        if (privateFields is null && noCacheFields is null)
        {
            return headers;
        }

        List<CachedHeader>? kept = null;
        for (var i = 0; i < headers.Length; i++)
        {
            var name = headers[i].Name;
            var withheld = (privateFields is not null && ListContains(privateFields, name))
                || (noCacheFields is not null && ListContains(noCacheFields, name));
            if (withheld)
            {
                kept ??= new List<CachedHeader>(headers.AsSpan(0, i).ToArray());
            }
            else
            {
                kept?.Add(headers[i]);
            }
        }

        return kept is null ? headers : [.. kept];
    }

    /// <summary>The first value of a field, or <see langword="null"/>.</summary>
    public static string? First(CachedHeader[] headers, string name)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && header.Values.Length > 0)
            {
                return header.Values[0];
            }
        }

        return null;
    }

    /// <summary>All values of a field, joined into one list value, or <see langword="null"/>.</summary>
    public static string? Joined(CachedHeader[] headers, string name)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return string.Join(", ", header.Values);
            }
        }

        return null;
    }

    /// <summary>RFC 9111 §3.2: each field of <paramref name="update"/> replaces the stored field of the same name.</summary>
    public static CachedHeader[] Merge(CachedHeader[] stored, CachedHeader[] update)
    {
        if (update.Length == 0)
        {
            return stored;
        }

        var result = new List<CachedHeader>(stored.Length + update.Length);
        foreach (var header in stored)
        {
            if (!Contains(update, header.Name))
            {
                result.Add(header);
            }
        }

        result.AddRange(update);
        return [.. result];
    }

    private static bool Contains(CachedHeader[] headers, string name)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a comma-separated list of field names contains <paramref name="name"/>.</summary>
    public static bool ListContains(string list, string name)
    {
        foreach (var range in list.AsSpan().Split(','))
        {
            if (list.AsSpan()[range].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
