using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// <c>Surrogate-Control</c> (W3C Edge Architecture 1.0 §3): cache directives for surrogates, in a syntax of its own
/// rather than a Structured Field: <c>directive[=value][;device-token]</c>, comma-separated, names case-insensitive. A
/// directive with a device token applies only to the surrogate of that token, one without to every surrogate; those
/// that apply here come first, so the one targeted at this cache wins over an untargeted one of the same name.
/// <c>max-age=N+M</c> is fresh for N seconds and usable for M more when the origin fails (<c>stale-if-error=M</c>);
/// <c>no-store-remote</c> counts as <c>no-store</c>, since a cache in front of third parties is remote from them.
/// </summary>
internal static class SurrogateControl
{
    /// <summary>The field's name, case-insensitive as every field name.</summary>
    public const string FieldName = "Surrogate-Control";

    /// <summary>The request field in which a surrogate announces its device token (Edge Architecture §2.1).</summary>
    public const string CapabilityFieldName = "Surrogate-Capability";

    /// <summary>Whether <paramref name="field"/> names <c>Surrogate-Control</c>.</summary>
    public static bool Is(string field) => field.Equals(FieldName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value this cache adds to <c>Surrogate-Capability</c>: its token and the one capability it has.</summary>
    public static string Capability(string deviceToken) => deviceToken + "=\"Surrogate/1.0\"";

    /// <summary>
    /// Reads the directives of a <c>Surrogate-Control</c> value (its lines joined with commas) that apply to the
    /// surrogate of <paramref name="deviceToken"/>; <see langword="false"/> when the value is malformed or none of its
    /// cache directives applies here, so that <c>Cache-Control</c> rules as if the field were absent.
    /// </summary>
    public static bool TryParse(string value, string deviceToken, out CacheControl directives)
    {
        directives = default;
        var targeted = new StringBuilder();
        var untargeted = new StringBuilder();
        var span = value.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            var start = i;
            var quoted = false;
            while (i < span.Length && (quoted || span[i] != ','))
            {
                if (span[i] == '"')
                {
                    quoted = !quoted;
                }
                else if (span[i] == '\\' && quoted)
                {
                    i++;
                }

                i++;
            }

            if (quoted)
            {
                return false;
            }

            var member = span[start..Math.Min(i, span.Length)].Trim(" \t");
            i++;
            if (member.IsEmpty)
            {
                // Empty list elements are allowed (RFC 9110 §5.6.1).
                continue;
            }

            if (!TryMember(member, out var name, out var argument, out var target))
            {
                return false;
            }

            var line = !target.IsEmpty && !target.Equals(deviceToken, StringComparison.OrdinalIgnoreCase) ? null
                : target.IsEmpty ? untargeted
                : targeted;
            if (line is not null && !TryAppend(line, name, argument))
            {
                return false;
            }
            else if (line is null && !IsWellFormed(name, argument))
            {
                return false;
            }
        }

        if (targeted.Length == 0 && untargeted.Length == 0)
        {
            return false;
        }

        if (targeted.Length > 0 && untargeted.Length > 0)
        {
            targeted.Append(", ");
        }

        directives = CacheControl.Parse(targeted.Append(untargeted).ToString()) with { Targeted = true };
        return true;
    }

    /// <summary>Splits <c>name[=value][;target]</c>; the name and the target are tokens, the value a token or quoted string.</summary>
    private static bool TryMember(ReadOnlySpan<char> member, out ReadOnlySpan<char> name, out ReadOnlySpan<char> argument, out ReadOnlySpan<char> target)
    {
        argument = default;
        target = default;
        var n = 0;
        while (n < member.Length && IsTokenChar(member[n]))
        {
            n++;
        }

        name = member[..n];
        var rest = member[n..];
        if (name.IsEmpty)
        {
            return false;
        }

        if (!rest.IsEmpty && rest[0] == '=')
        {
            rest = rest[1..];
            var v = 0;
            if (!rest.IsEmpty && rest[0] == '"')
            {
                v = 1;
                while (v < rest.Length && rest[v] != '"')
                {
                    v += rest[v] == '\\' ? 2 : 1;
                }

                if (v >= rest.Length)
                {
                    return false;
                }

                v++;
            }
            else
            {
                while (v < rest.Length && (IsTokenChar(rest[v]) || rest[v] == '+'))
                {
                    v++;
                }
            }

            argument = rest[..v];
            rest = rest[v..];
            if (argument.IsEmpty)
            {
                return false;
            }
        }

        if (!rest.IsEmpty)
        {
            if (rest[0] != ';')
            {
                return false;
            }

            target = rest[1..];
            foreach (var c in target)
            {
                if (!IsTokenChar(c))
                {
                    return false;
                }
            }

            if (target.IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a directive as the <c>Cache-Control</c> one it means; unknown ones (<c>content</c>) mean nothing here.</summary>
    private static bool TryAppend(StringBuilder line, ReadOnlySpan<char> name, ReadOnlySpan<char> argument)
    {
        if (!IsWellFormed(name, argument))
        {
            return false;
        }

        if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
        {
            var plus = argument.IndexOf('+');
            Append(line, "max-age=", plus < 0 ? argument : argument[..plus]);
            if (plus >= 0)
            {
                Append(line, "stale-if-error=", argument[(plus + 1)..]);
            }
        }
        else if (name.Equals("no-store", StringComparison.OrdinalIgnoreCase) || name.Equals("no-store-remote", StringComparison.OrdinalIgnoreCase))
        {
            Append(line, "no-store", default);
        }
        else if (name.Equals("stale-while-revalidate", StringComparison.OrdinalIgnoreCase) || name.Equals("stale-if-error", StringComparison.OrdinalIgnoreCase))
        {
            Append(line, string.Concat(name, "="), argument);
        }
        else if (name.Equals("no-cache", StringComparison.OrdinalIgnoreCase)
            || name.Equals("must-revalidate", StringComparison.OrdinalIgnoreCase)
            || name.Equals("proxy-revalidate", StringComparison.OrdinalIgnoreCase))
        {
            Append(line, name.ToString(), default);
        }

        return true;
    }

    /// <summary>
    /// Whether a known directive has the argument it takes: delta-seconds for the times (<c>N</c> or <c>N+M</c> for
    /// <c>max-age</c>), none for the flags. A malformed one makes the whole field malformed, so a typo never turns a
    /// restriction into nothing.
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

        if (name.Equals("no-store", StringComparison.OrdinalIgnoreCase)
            || name.Equals("no-store-remote", StringComparison.OrdinalIgnoreCase)
            || name.Equals("no-cache", StringComparison.OrdinalIgnoreCase)
            || name.Equals("must-revalidate", StringComparison.OrdinalIgnoreCase)
            || name.Equals("proxy-revalidate", StringComparison.OrdinalIgnoreCase))
        {
            return argument.IsEmpty;
        }

        return true;
    }

    private static bool IsDelta(ReadOnlySpan<char> value) => !value.IsEmpty && value.IndexOfAnyExceptInRange('0', '9') < 0;

    private static void Append(StringBuilder line, string directive, ReadOnlySpan<char> argument)
    {
        if (line.Length > 0)
        {
            line.Append(", ");
        }

        line.Append(directive).Append(argument);
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
