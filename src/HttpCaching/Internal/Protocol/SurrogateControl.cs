using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// <c>Surrogate-Control</c> (W3C Edge Architecture 1.0 §3): cache directives for surrogates, in a syntax of its own
/// rather than a Structured Field: <c>directive[=value][;device-token]</c>, comma-separated, names case-insensitive,
/// optional white space around <c>=</c> and <c>;</c> (RFC 2616's implied white space). A directive with a device token
/// applies only to the surrogate of that token, one without to every surrogate; of two with the same name, the one
/// targeted at this cache wins, else the first. <c>max-age=N+M</c> is fresh for N seconds and usable for M more when
/// the origin fails (<c>stale-if-error=M</c>, unless a <c>stale-if-error</c> of the same rank says otherwise);
/// <c>no-store-remote</c> counts as <c>no-store</c>, since a cache in front of third parties is remote from them. A
/// malformed field does not rule (RFC 9213 §2.1: <c>Cache-Control</c> does), but keeps its restrictions: its
/// <c>no-store</c> or <c>no-cache</c> for this cache is added to <c>Cache-Control</c>'s, and nothing else of it.
/// </summary>
internal static class SurrogateControl
{
    /// <summary>The field's name, case-insensitive as every field name.</summary>
    public const string FieldName = "Surrogate-Control";

    /// <summary>Whether <paramref name="field"/> names <c>Surrogate-Control</c>.</summary>
    public static bool Is(string field) => field.Equals(FieldName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads the directives of a <c>Surrogate-Control</c> value (its lines joined with commas) that apply to the
    /// surrogate of <paramref name="deviceToken"/> (marked <see cref="CacheControl.Targeted"/>); for a malformed value
    /// with a restriction for this cache, that restriction alone, not targeted, to add to <c>Cache-Control</c>;
    /// <see langword="false"/> when none of its cache directives applies here, so that <c>Cache-Control</c> rules as if
    /// the field were absent.
    /// </summary>
    public static bool TryParse(string value, string deviceToken, out CacheControl directives)
    {
        directives = default;
        var mine = new Rank();
        var everyone = new Rank();
        var malformed = false;
        foreach (var member in Members(value))
        {
            if (member.Length == 0)
            {
                // Empty list elements are allowed (RFC 9110 §5.6.1).
                continue;
            }

            if (!TryMember(member, out var name, out var argument, out var target) || !IsWellFormed(name, argument))
            {
                malformed = true;
                continue;
            }

            if (target.IsEmpty)
            {
                everyone.Add(name, argument);
            }
            else if (target.Equals(deviceToken, StringComparison.OrdinalIgnoreCase))
            {
                mine.Add(name, argument);
            }
        }

        if (malformed)
        {
            return TryRestrictions(value, deviceToken, out directives);
        }

        var line = Line(mine, everyone);
        if (line.Length == 0)
        {
            return false;
        }

        directives = CacheControl.Parse(line) with { Targeted = true };
        return true;
    }

    /// <summary>The members of the field, split at the commas outside quoted strings; an unterminated string ends it.</summary>
    private static List<string> Members(string value)
    {
        var members = new List<string>();
        var span = value.AsSpan();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < span.Length; i++)
        {
            if (quoted && span[i] == '\\')
            {
                i++;
            }
            else if (span[i] == '"')
            {
                quoted = !quoted;
            }
            else if (span[i] == ',' && !quoted)
            {
                members.Add(span[start..i].Trim(" \t").ToString());
                start = i + 1;
            }
        }

        members.Add(span[Math.Min(start, span.Length)..].Trim(" \t").ToString());
        if (quoted)
        {
            // A member cannot end inside a quoted string: mark the last one malformed.
            members[^1] = "\"";
        }

        return members;
    }

    /// <summary>
    /// Splits <c>name [= value] [; target]</c>; the name and the target are tokens, the value a token (with <c>+</c>)
    /// or a quoted string.
    /// </summary>
    private static bool TryMember(ReadOnlySpan<char> member, out ReadOnlySpan<char> name, out ReadOnlySpan<char> argument, out ReadOnlySpan<char> target)
    {
        argument = default;
        target = default;
        var rest = member;
        name = rest[..TokenLength(rest)];
        rest = rest[name.Length..];
        if (name.IsEmpty)
        {
            return false;
        }

        rest = rest.TrimStart(" \t");
        if (!rest.IsEmpty && rest[0] == '=')
        {
            rest = rest[1..].TrimStart(" \t");
            if (!rest.IsEmpty && rest[0] == '"')
            {
                var v = 1;
                while (v < rest.Length && rest[v] != '"')
                {
                    v += rest[v] == '\\' ? 2 : 1;
                }

                if (v >= rest.Length)
                {
                    return false;
                }

                argument = rest[..(v + 1)];
                rest = rest[(v + 1)..];
            }
            else
            {
                argument = rest[..TokenLength(rest)];
                rest = rest[argument.Length..];
                if (argument.IsEmpty)
                {
                    return false;
                }
            }

            rest = rest.TrimStart(" \t");
        }

        if (!rest.IsEmpty && rest[0] == ';')
        {
            rest = rest[1..].TrimStart(" \t");
            target = rest[..TokenLength(rest)];
            rest = rest[target.Length..];
            if (target.IsEmpty)
            {
                return false;
            }

            rest = rest.TrimStart(" \t");
        }

        return rest.IsEmpty;
    }

    /// <summary>The length of the token at the start of <paramref name="text"/> (0 when there is none).</summary>
    private static int TokenLength(ReadOnlySpan<char> text)
    {
        var n = 0;
        while (n < text.Length && IsTokenChar(text[n]))
        {
            n++;
        }

        return n;
    }

    /// <summary>
    /// Whether a known directive has the argument it takes: delta-seconds for the times (<c>N</c> or <c>N+M</c> for
    /// <c>max-age</c>), none for the flags. Unknown directives (<c>content</c>) take anything.
    /// </summary>
    private static bool IsWellFormed(ReadOnlySpan<char> name, ReadOnlySpan<char> argument)
    {
        if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
        {
            var plus = argument.IndexOf('+');
            return plus < 0
                ? IsDelta(argument)
                : IsDelta(argument[..plus]) && IsDelta(argument[(plus + 1)..]);
        }

        if (name.Equals("stale-while-revalidate", StringComparison.OrdinalIgnoreCase) || name.Equals("stale-if-error", StringComparison.OrdinalIgnoreCase))
        {
            return IsDelta(argument);
        }

        return !IsFlag(name) || argument.IsEmpty;
    }

    private static bool IsFlag(ReadOnlySpan<char> name) =>
        IsRestriction(name)
        || name.Equals("must-revalidate", StringComparison.OrdinalIgnoreCase)
        || name.Equals("proxy-revalidate", StringComparison.OrdinalIgnoreCase);

    private static bool IsRestriction(ReadOnlySpan<char> name) =>
        name.Equals("no-store", StringComparison.OrdinalIgnoreCase)
        || name.Equals("no-store-remote", StringComparison.OrdinalIgnoreCase)
        || name.Equals("no-cache", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A malformed field: only its restrictions for this cache count, read leniently (any <c>no-store</c>,
    /// <c>no-store-remote</c> or <c>no-cache</c> token in a member whose last <c>;</c> names no other device), so that
    /// a typo never lets <c>Cache-Control</c> store what the field forbids.
    /// </summary>
    private static bool TryRestrictions(string value, string deviceToken, out CacheControl directives)
    {
        directives = default;
        var flags = CacheControlFlags.None;
        foreach (var member in Members(value))
        {
            var text = member.AsSpan();
            var semicolon = text.LastIndexOf(';');
            if (semicolon >= 0)
            {
                var target = text[(semicolon + 1)..].Trim(" \t");
                var length = TokenLength(target);
                if (length > 0 && length == target.Length && !target.Equals(deviceToken, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
            }

            for (var i = 0; i < text.Length;)
            {
                var length = TokenLength(text[i..]);
                if (length == 0)
                {
                    i++;
                    continue;
                }

                var token = text.Slice(i, length);
                if (IsRestriction(token))
                {
                    flags |= token.Equals("no-cache", StringComparison.OrdinalIgnoreCase) ? CacheControlFlags.NoCache : CacheControlFlags.NoStore;
                }

                i += length;
            }
        }

        if (flags == CacheControlFlags.None)
        {
            return false;
        }

        // Not targeted: the field does not rule; these are added to what Cache-Control says.
        directives = CacheControl.Empty with { Flags = flags, Targeted = false };
        return true;
    }

    /// <summary>The <c>Cache-Control</c> line the two ranks of directives mean, the targeted rank winning name by name.</summary>
    private static string Line(Rank mine, Rank everyone)
    {
        var line = new StringBuilder();
        var maxAge = mine.MaxAge ?? everyone.MaxAge;
        if (maxAge is { } age)
        {
            Append(line, "max-age=", age);
        }

        // The +M of max-age belongs to that max-age: a targeted max-age without one leaves none.
        var staleIfError = mine.MaxAge is not null
            ? mine.StaleIfError ?? mine.MaxAgePlus ?? everyone.StaleIfError
            : mine.StaleIfError ?? everyone.StaleIfError ?? everyone.MaxAgePlus;
        if (staleIfError is { } sie)
        {
            Append(line, "stale-if-error=", sie);
        }

        if ((mine.StaleWhileRevalidate ?? everyone.StaleWhileRevalidate) is { } swr)
        {
            Append(line, "stale-while-revalidate=", swr);
        }

        foreach (var flag in mine.Flags.Union(everyone.Flags, StringComparer.OrdinalIgnoreCase))
        {
            Append(line, flag, null);
        }

        return line.ToString();
    }

    private static void Append(StringBuilder line, string directive, string? argument)
    {
        if (line.Length > 0)
        {
            line.Append(", ");
        }

        line.Append(directive).Append(argument);
    }

    private static bool IsDelta(ReadOnlySpan<char> value) => !value.IsEmpty && value.IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>The directives of one rank (targeted at this cache, or at every surrogate): the first of each name.</summary>
    private sealed class Rank
    {
        public string? MaxAge { get; private set; }

        public string? MaxAgePlus { get; private set; }

        public string? StaleIfError { get; private set; }

        public string? StaleWhileRevalidate { get; private set; }

        public List<string> Flags { get; } = [];

        public void Add(ReadOnlySpan<char> name, ReadOnlySpan<char> argument)
        {
            if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
            {
                if (MaxAge is null)
                {
                    var plus = argument.IndexOf('+');
                    MaxAge = (plus < 0 ? argument : argument[..plus]).ToString();
                    MaxAgePlus = plus < 0 ? null : argument[(plus + 1)..].ToString();
                }
            }
            else if (name.Equals("stale-if-error", StringComparison.OrdinalIgnoreCase))
            {
                StaleIfError ??= argument.ToString();
            }
            else if (name.Equals("stale-while-revalidate", StringComparison.OrdinalIgnoreCase))
            {
                StaleWhileRevalidate ??= argument.ToString();
            }
            else if (IsFlag(name))
            {
                Flags.Add(name.Equals("no-store-remote", StringComparison.OrdinalIgnoreCase) ? "no-store" : name.ToString().ToLowerInvariant());
            }
        }
    }
}
