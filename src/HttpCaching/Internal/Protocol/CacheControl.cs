using System.Net.Http.Headers;

namespace HttpCaching.Internal;

/// <summary>
/// The parsed directives of one or more <c>Cache-Control</c> field lines (RFC 9111 §5.2). Parsing is lenient and
/// total: any input yields a value, unknown directives are ignored, the first occurrence of a directive wins, and a
/// malformed delta-seconds argument is kept as <see cref="Invalid"/> so callers can treat it as the RFC says.
/// </summary>
internal readonly record struct CacheControl
{
    /// <summary>The value of a delta-seconds argument that was present but not a valid number.</summary>
    public const int Invalid = -2;

    /// <summary>The value of a delta-seconds argument that was absent.</summary>
    public const int Absent = -1;

    /// <summary>RFC 9111 §1.2.2: a delta-seconds value too large to represent is taken as 2^31.</summary>
    public const long Overflow = 2147483648L;

    public CacheControlFlags Flags { get; init; }

    public long MaxAge { get; init; }

    public long SharedMaxAge { get; init; }

    public long MaxStale { get; init; }

    public long MinFresh { get; init; }

    public long StaleWhileRevalidate { get; init; }

    public long StaleIfError { get; init; }

    /// <summary>The field names of every qualified <c>no-cache="…"</c>, as one list, or <see langword="null"/>.</summary>
    public string? NoCacheFields { get; init; }

    /// <summary>
    /// The field names of every qualified <c>private="…"</c>, as one list; <see langword="null"/> when there is none, or
    /// when an unqualified <c>private</c> makes the whole response private.
    /// </summary>
    public string? PrivateFields { get; init; }

    /// <summary>
    /// Whether these directives come from a targeted field (RFC 9213) on the client's target list, which rules instead
    /// of <c>Cache-Control</c>: the response's <c>Expires</c> is then ignored too.
    /// </summary>
    public bool Targeted { get; init; }

    public static CacheControl Empty { get; } = new()
    {
        MaxAge = Absent,
        SharedMaxAge = Absent,
        MaxStale = Absent,
        MinFresh = Absent,
        StaleWhileRevalidate = Absent,
        StaleIfError = Absent,
    };

    public bool Has(CacheControlFlags flag) => (Flags & flag) != 0;

    /// <summary>Parses every <c>Cache-Control</c> line of <paramref name="headers"/>, as received.</summary>
    public static CacheControl Parse(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Cache-Control", out var lines))
        {
            return Empty;
        }

        var builder = new Builder();
        foreach (var line in lines)
        {
            builder.Add(line);
        }

        return builder.Build();
    }

    public static CacheControl Parse(string? line)
    {
        var builder = new Builder();
        builder.Add(line);
        return builder.Build();
    }

    /// <summary>Parses a delta-seconds value (RFC 9111 §1.2.2): digits only; too large saturates at 2^31.</summary>
    public static long ParseDeltaSeconds(ReadOnlySpan<char> value)
    {
        value = value.Trim(" \t");
        if (value.IsEmpty)
        {
            return Invalid;
        }

        long result = 0;
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return Invalid;
            }

            // Saturate, but keep checking that the rest are digits.
            result = Math.Min((result * 10) + (c - '0'), Overflow);
        }

        return result;
    }

    private struct Builder
    {
        private CacheControlFlags _flags;
        private long _maxAge, _sMaxAge, _maxStale, _minFresh, _swr, _sie;
        private string? _noCacheFields, _privateFields;
        private bool _privateUnqualified;
        private bool _seenMaxAge, _seenSMaxAge, _seenMaxStale, _seenMinFresh, _seenSwr, _seenSie;

        public void Add(string? line)
        {
            if (string.IsNullOrEmpty(line))
            {
                return;
            }

            var span = line.AsSpan();
            var i = 0;
            while (i < span.Length)
            {
                // Skip separators and white space between directives.
                while (i < span.Length && (span[i] is ',' or ' ' or '\t' or ';'))
                {
                    i++;
                }

                var nameStart = i;
                while (i < span.Length && span[i] is not (',' or '=' or ' ' or '\t' or ';'))
                {
                    i++;
                }

                var name = span[nameStart..i];
                while (i < span.Length && span[i] is ' ' or '\t')
                {
                    i++;
                }

                ReadOnlySpan<char> value = default;
                string? quoted = null;
                var hasValue = false;
                if (i < span.Length && span[i] == '=')
                {
                    hasValue = true;
                    i++;
                    while (i < span.Length && span[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    if (i < span.Length && span[i] == '"')
                    {
                        quoted = ReadQuoted(span, ref i);
                        value = quoted.AsSpan();
                    }
                    else
                    {
                        var valueStart = i;
                        while (i < span.Length && span[i] is not (',' or ';'))
                        {
                            i++;
                        }

                        value = span[valueStart..i].TrimEnd(" \t");
                    }
                }

                // Anything up to the next comma that is not part of this directive is ignored, but for a restriction
                // after a ';': "no-cache; no-store" and "max-age=600; private" are common mistakes for a comma, and the
                // restriction they hide must still keep a shared cache from storing or reusing the response.
                while (i < span.Length && span[i] != ',')
                {
                    if (span[i] == '"' && QuotedLength(span[i..]) is > 0 and var length)
                    {
                        // A quoted string is one value: a ';' or a directive's name inside it is text (RFC 9110 §5.6.4).
                        // An unterminated one is not skipped, so it cannot hide a restriction after it.
                        i += length;
                        continue;
                    }

                    if (span[i++] != ';')
                    {
                        continue;
                    }

                    while (i < span.Length && span[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    var parameterStart = i;
                    while (i < span.Length && span[i] is not (',' or '=' or ' ' or '\t' or ';'))
                    {
                        i++;
                    }

                    ApplyRestriction(span[parameterStart..i]);
                }

                if (!name.IsEmpty)
                {
                    Apply(name, hasValue, value, quoted);
                }
            }
        }

        private void Apply(ReadOnlySpan<char> name, bool hasValue, ReadOnlySpan<char> value, string? quoted)
        {
            if (Is(name, "max-age"))
            {
                SetDelta(ref _maxAge, ref _seenMaxAge, hasValue, value);
            }
            else if (Is(name, "s-maxage"))
            {
                SetDelta(ref _sMaxAge, ref _seenSMaxAge, hasValue, value);
            }
            else if (Is(name, "no-cache"))
            {
                _flags |= CacheControlFlags.NoCache;
                if (hasValue && !value.IsWhiteSpace())
                {
                    _noCacheFields = Joined(_noCacheFields, quoted ?? value.ToString());
                }
            }
            else if (Is(name, "no-store"))
            {
                _flags |= CacheControlFlags.NoStore;
            }
            else if (Is(name, "private"))
            {
                // The reading that keeps the most private wins: an unqualified private anywhere makes the whole response
                // private, and the fields of every qualified one are private.
                _flags |= CacheControlFlags.Private;
                if (hasValue && !value.IsWhiteSpace())
                {
                    _privateFields = Joined(_privateFields, quoted ?? value.ToString());
                }
                else
                {
                    _privateUnqualified = true;
                }
            }
            else if (Is(name, "public"))
            {
                _flags |= CacheControlFlags.Public;
            }
            else if (Is(name, "must-revalidate"))
            {
                _flags |= CacheControlFlags.MustRevalidate;
            }
            else if (Is(name, "proxy-revalidate"))
            {
                _flags |= CacheControlFlags.ProxyRevalidate;
            }
            else if (Is(name, "immutable"))
            {
                _flags |= CacheControlFlags.Immutable;
            }
            else if (Is(name, "must-understand"))
            {
                _flags |= CacheControlFlags.MustUnderstand;
            }
            else if (Is(name, "no-transform"))
            {
                _flags |= CacheControlFlags.NoTransform;
            }
            else if (Is(name, "only-if-cached"))
            {
                _flags |= CacheControlFlags.OnlyIfCached;
            }
            else if (Is(name, "max-stale"))
            {
                if (!hasValue)
                {
                    if (!_seenMaxStale)
                    {
                        _seenMaxStale = true;
                        _flags |= CacheControlFlags.MaxStaleAny;
                    }
                }
                else
                {
                    SetDelta(ref _maxStale, ref _seenMaxStale, hasValue, value);
                }
            }
            else if (Is(name, "min-fresh"))
            {
                SetDelta(ref _minFresh, ref _seenMinFresh, hasValue, value);
            }
            else if (Is(name, "stale-while-revalidate"))
            {
                SetDelta(ref _swr, ref _seenSwr, hasValue, value);
            }
            else if (Is(name, "stale-if-error"))
            {
                SetDelta(ref _sie, ref _seenSie, hasValue, value);
            }
        }

        /// <summary>
        /// A directive name found where parameters would be (after a ';'): only a restriction counts, unqualified (its
        /// widest reading); any other, <c>must-understand</c> or <c>public</c> among them, is ignored as before.
        /// </summary>
        private void ApplyRestriction(ReadOnlySpan<char> name)
        {
            if (Is(name, "no-store") || Is(name, "no-cache") || Is(name, "private") || Is(name, "must-revalidate") || Is(name, "proxy-revalidate"))
            {
                Apply(name, hasValue: false, default, quoted: null);
            }
        }

        private static void SetDelta(ref long field, ref bool seen, bool hasValue, ReadOnlySpan<char> value)
        {
            if (seen)
            {
                return;
            }

            seen = true;
            field = hasValue ? ParseDeltaSeconds(value) : Invalid;
        }

        private static bool Is(ReadOnlySpan<char> name, string directive) =>
            name.Equals(directive, StringComparison.OrdinalIgnoreCase);

        /// <summary>The length of the terminated quoted string at the start of <paramref name="span"/>, quotes included; 0 when it is not terminated.</summary>
        private static int QuotedLength(ReadOnlySpan<char> span)
        {
            for (var j = 1; j < span.Length; j++)
            {
                if (span[j] == '\\')
                {
                    j++;
                }
                else if (span[j] == '"')
                {
                    return j + 1;
                }
            }

            return 0;
        }

        private static string ReadQuoted(ReadOnlySpan<char> span, ref int i)
        {
            // span[i] is the opening quote. An unterminated string runs to the end of the line.
            i++;
            var builder = new System.Text.StringBuilder();
            while (i < span.Length && span[i] != '"')
            {
                if (span[i] == '\\' && i + 1 < span.Length)
                {
                    i++;
                }

                builder.Append(span[i]);
                i++;
            }

            if (i < span.Length)
            {
                i++;
            }

            return builder.ToString();
        }

        public readonly CacheControl Build() => new()
        {
            Flags = _flags,
            MaxAge = _seenMaxAge ? _maxAge : Absent,
            SharedMaxAge = _seenSMaxAge ? _sMaxAge : Absent,
            MaxStale = _seenMaxStale && (_flags & CacheControlFlags.MaxStaleAny) == 0 ? _maxStale : Absent,
            MinFresh = _seenMinFresh ? _minFresh : Absent,
            StaleWhileRevalidate = _seenSwr ? _swr : Absent,
            StaleIfError = _seenSie ? _sie : Absent,
            NoCacheFields = _noCacheFields,
            PrivateFields = _privateUnqualified ? null : _privateFields,
        };

        /// <summary>The field names of two qualified directives of one kind, as one list.</summary>
        private static string Joined(string? earlier, string fields) => earlier is null ? fields : earlier + ", " + fields;
    }
}
