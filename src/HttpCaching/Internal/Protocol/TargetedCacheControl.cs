using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace HttpCaching.Internal;

/// <summary>
/// Targeted cache control (RFC 9213): response fields such as <c>CDN-Cache-Control</c> that carry cache directives for
/// a class of caches. A cache with a target list uses the first field on it that the response carries with a valid
/// value, and then ignores <c>Cache-Control</c> and <c>Expires</c> (§2.1); a field whose value is not a valid
/// Structured Fields Dictionary (RFC 8941 §3.2) is ignored as if absent. A member of the right name but the wrong type
/// (<c>max-age="60"</c>) is ignored; the rest of the field still applies. <c>Surrogate-Control</c>, which predates RFC
/// 9213 and has a syntax of its own, is read by <see cref="SurrogateControl"/>.
/// </summary>
internal static class TargetedCacheControl
{
    /// <summary>The largest Structured Fields Integer: 15 digits.</summary>
    private const int MaxIntegerDigits = 15;

    /// <summary>
    /// The directives that rule a response for this cache: those of the first field of the options' <see cref="ThirdPartyCachingOptions.TargetedCacheControlFields"/>
    /// the response carries with a valid value (marked <see cref="CacheControl.Targeted"/>), else its <c>Cache-Control</c>.
    /// </summary>
    public static CacheControl Of(HttpHeaders headers, ThirdPartyCachingOptions options)
    {
        var targets = options.TargetedCacheControlFields;
        for (var i = 0; i < targets.Count; i++)
        {
            if (headers.NonValidated.TryGetValues(targets[i], out var values) && TryParse(targets[i], values.ToString(), options, out var targeted))
            {
                return SurrogateControl.Is(targets[i]) ? Surrogate(targeted, CacheControl.Parse(headers)) : targeted;
            }
        }

        return CacheControl.Parse(headers);
    }

    /// <summary>
    /// The directives of the first field of the options' targeted fields among stored header fields that has a valid value,
    /// or <see langword="null"/> when none has (the stored <c>Cache-Control</c> rules then).
    /// </summary>
    public static CacheControl? OfStored(CachedHeader[] headers, ThirdPartyCachingOptions options)
    {
        var targets = options.TargetedCacheControlFields;
        for (var i = 0; i < targets.Count; i++)
        {
            if (CachedHeaders.Joined(headers, targets[i]) is { } value && TryParse(targets[i], value, options, out var targeted))
            {
                return SurrogateControl.Is(targets[i]) ? Surrogate(targeted, CacheControl.Parse(CachedHeaders.Joined(headers, "Cache-Control"))) : targeted;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>Surrogate-Control</c> rules instead of <c>Cache-Control</c>, except for its <c>private</c>: a response the
    /// origin marked private (one user's page, with a surrogate lifetime meant for other users' copies) stays out of a
    /// shared cache, as surrogates that honour the field (Fastly) keep it. <c>CDN-Cache-Control</c>, by contrast, replaces
    /// it with the rest (RFC 9213).
    /// </summary>
    /// <remarks>
    /// A malformed <c>Surrogate-Control</c> does not rule at all: its restrictions for this cache (not targeted) are
    /// added to <c>Cache-Control</c>'s, which rules.
    /// </remarks>
    private static CacheControl Surrogate(CacheControl surrogate, CacheControl cacheControl)
    {
        if (!surrogate.Targeted)
        {
            return cacheControl with { Flags = cacheControl.Flags | surrogate.Flags };
        }

        return cacheControl.Has(CacheControlFlags.Private)
            ? surrogate with { Flags = surrogate.Flags | CacheControlFlags.Private, PrivateFields = surrogate.PrivateFields ?? cacheControl.PrivateFields }
            : surrogate;
    }

    /// <summary>Reads a targeted field by its kind: <c>Surrogate-Control</c> by its own syntax, any other as RFC 9213 says.</summary>
    private static bool TryParse(string field, string value, ThirdPartyCachingOptions options, out CacheControl directives) =>
        SurrogateControl.Is(field)
            ? SurrogateControl.TryParse(value, options.SurrogateDeviceToken, out directives)
            : TryParse(value, out directives);

    /// <summary>
    /// Parses a targeted field's value (its lines joined with commas) as a Structured Fields Dictionary and reads the
    /// cache directives in it; <see langword="false"/> when it is no valid Dictionary.
    /// </summary>
    public static bool TryParse(string value, out CacheControl directives)
    {
        directives = default;
        var reader = new Reader(value);
        var line = new StringBuilder();
        reader.SkipSpaces();
        if (reader.AtEnd)
        {
            // An empty field is an empty Dictionary (RFC 8941 §4.2): valid, with no directives.
            directives = CacheControl.Empty with { Targeted = true };
            return true;
        }

        var members = new Dictionary<string, Item>(StringComparer.Ordinal);
        while (true)
        {
            if (!reader.TryKey(out var key))
            {
                return false;
            }

            Item item;
            if (reader.TryConsume('='))
            {
                if (!reader.TryItemOrInnerList(out item))
                {
                    return false;
                }
            }
            else
            {
                item = Item.True;
                if (!reader.TryParameters())
                {
                    return false;
                }
            }

            // §4.2.2: a key seen again replaces the earlier value.
            members[key] = item;
            reader.SkipWhitespace();
            if (reader.AtEnd)
            {
                break;
            }

            if (!reader.TryConsume(','))
            {
                return false;
            }

            reader.SkipWhitespace();
            if (reader.AtEnd)
            {
                // A trailing comma.
                return false;
            }
        }

        foreach (var (key, item) in members)
        {
            Append(line, key, item);
        }

        directives = CacheControl.Parse(line.ToString()) with { Targeted = true };
        return true;
    }

    /// <summary>Writes a member as a <c>Cache-Control</c> directive when its type is the one the directive takes.</summary>
    private static void Append(StringBuilder line, string key, Item item)
    {
        string? directive = key switch
        {
            "max-age" or "s-maxage" or "stale-while-revalidate" or "stale-if-error" =>
                item is { Kind: ItemKind.Integer, Integer: >= 0 } ? string.Concat(key, "=", item.Integer.ToString(CultureInfo.InvariantCulture)) : null,
            "no-cache" or "private" =>
                item.Kind == ItemKind.True ? key
                : item is { Kind: ItemKind.String, Text: var fields } && fields.AsSpan().IndexOfAny('"', '\\') < 0 ? string.Concat(key, "=\"", fields, "\"")
                : null,
            "no-store" or "public" or "must-revalidate" or "proxy-revalidate" or "must-understand" or "no-transform" or "immutable" =>
                item.Kind == ItemKind.True ? key : null,
            _ => null,
        };

        if (directive is not null)
        {
            if (line.Length > 0)
            {
                line.Append(", ");
            }

            line.Append(directive);
        }
    }

    private enum ItemKind
    {
        /// <summary>The Boolean true (a member without a value).</summary>
        True,

        /// <summary>The Boolean false.</summary>
        False,

        Integer,

        String,

        /// <summary>A Decimal, Token, Byte Sequence or Inner List: no cache directive takes one.</summary>
        Other,
    }

    private readonly record struct Item(ItemKind Kind, long Integer = 0, string? Text = null)
    {
        public static readonly Item True = new(ItemKind.True);
    }

    /// <summary>A cursor over a field value, with the parsing steps of RFC 8941 §4.2.</summary>
    private ref struct Reader(string input)
    {
        private readonly ReadOnlySpan<char> _input = input;
        private int _position;

        public readonly bool AtEnd
        {
            get
            {
                // Trailing spaces are discarded (§4.2).
                for (var i = _position; i < _input.Length; i++)
                {
                    if (_input[i] != ' ')
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        private readonly char Current => _position < _input.Length ? _input[_position] : '\0';

        public void SkipSpaces()
        {
            while (_position < _input.Length && _input[_position] == ' ')
            {
                _position++;
            }
        }

        /// <summary>OWS: spaces and horizontal tabs, around the commas of a Dictionary.</summary>
        public void SkipWhitespace()
        {
            while (_position < _input.Length && _input[_position] is ' ' or '\t')
            {
                _position++;
            }
        }

        public bool TryConsume(char c)
        {
            if (Current != c || _position >= _input.Length)
            {
                return false;
            }

            _position++;
            return true;
        }

        /// <summary>§4.2.3.3: a lowercase letter or <c>*</c>, then lowercase letters, digits, <c>_ - . *</c>.</summary>
        public bool TryKey(out string key)
        {
            key = string.Empty;
            var start = _position;
            if (Current is not ((>= 'a' and <= 'z') or '*') || _position >= _input.Length)
            {
                return false;
            }

            _position++;
            while (_position < _input.Length && _input[_position] is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.' or '*')
            {
                _position++;
            }

            key = _input[start.._position].ToString();
            return true;
        }

        /// <summary>§4.2.1.1: an Item (bare item and parameters) or an Inner List.</summary>
        public bool TryItemOrInnerList(out Item item)
        {
            if (Current == '(' && _position < _input.Length)
            {
                item = new Item(ItemKind.Other);
                return TryInnerList();
            }

            return TryBareItem(out item) && TryParameters();
        }

        /// <summary>§4.2.3.2: any number of <c>;key[=value]</c>, which no cache directive uses.</summary>
        public bool TryParameters()
        {
            while (Current == ';' && _position < _input.Length)
            {
                _position++;
                SkipSpaces();
                if (!TryKey(out _))
                {
                    return false;
                }

                if (TryConsume('=') && !TryBareItem(out _))
                {
                    return false;
                }
            }

            return true;
        }

        private bool TryInnerList()
        {
            _position++;
            while (_position < _input.Length)
            {
                SkipSpaces();
                if (TryConsume(')'))
                {
                    return TryParameters();
                }

                if (!TryBareItem(out _) || !TryParameters())
                {
                    return false;
                }

                if (Current is not (' ' or ')') || _position >= _input.Length)
                {
                    return false;
                }
            }

            return false;
        }

        private bool TryBareItem(out Item item)
        {
            item = default;
            if (_position >= _input.Length)
            {
                return false;
            }

            var c = Current;
            if (c is '-' or (>= '0' and <= '9'))
            {
                return TryNumber(out item);
            }

            if (c == '"')
            {
                return TryString(out item);
            }

            if (c == '?')
            {
                _position++;
                if (TryConsume('1'))
                {
                    item = Item.True;
                    return true;
                }

                if (TryConsume('0'))
                {
                    item = new Item(ItemKind.False);
                    return true;
                }

                return false;
            }

            if (c == ':')
            {
                _position++;
                while (_position < _input.Length && _input[_position] is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '=')
                {
                    _position++;
                }

                item = new Item(ItemKind.Other);
                return TryConsume(':');
            }

            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or '*')
            {
                // §4.2.6: a Token: tchar, ':' and '/'.
                _position++;
                while (_position < _input.Length && IsTokenChar(_input[_position]))
                {
                    _position++;
                }

                item = new Item(ItemKind.Other);
                return true;
            }

            return false;
        }

        /// <summary>§4.2.4: an Integer of at most 15 digits, or a Decimal (12 digits, a dot, 1 to 3 digits).</summary>
        private bool TryNumber(out Item item)
        {
            item = default;
            var negative = TryConsume('-');
            var start = _position;
            var dot = -1;
            while (_position < _input.Length && (_input[_position] is >= '0' and <= '9' || (_input[_position] == '.' && dot < 0)))
            {
                if (_input[_position] == '.')
                {
                    if (_position - start > 12)
                    {
                        return false;
                    }

                    dot = _position;
                }

                _position++;
                if (dot < 0 && _position - start > MaxIntegerDigits)
                {
                    return false;
                }
            }

            var digits = _input[start.._position];
            if (digits.IsEmpty || digits[0] == '.')
            {
                return false;
            }

            if (dot >= 0)
            {
                var fraction = _position - dot - 1;
                item = new Item(ItemKind.Other);
                return fraction is >= 1 and <= 3;
            }

            var value = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            item = new Item(ItemKind.Integer, negative ? -value : value);
            return true;
        }

        /// <summary>§4.2.5: printable ASCII between quotes; only <c>\"</c> and <c>\\</c> escape.</summary>
        private bool TryString(out Item item)
        {
            item = default;
            _position++;
            var text = new StringBuilder();
            while (_position < _input.Length)
            {
                var c = _input[_position++];
                if (c == '\\')
                {
                    if (_position >= _input.Length || _input[_position] is not ('"' or '\\'))
                    {
                        return false;
                    }

                    text.Append(_input[_position++]);
                }
                else if (c == '"')
                {
                    item = new Item(ItemKind.String, Text: text.ToString());
                    return true;
                }
                else if (c is < ' ' or > '~')
                {
                    return false;
                }
                else
                {
                    text.Append(c);
                }
            }

            return false;
        }

        private static bool IsTokenChar(char c) =>
            c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~' or ':' or '/';
    }
}
