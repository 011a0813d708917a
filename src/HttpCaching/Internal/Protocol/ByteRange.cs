namespace HttpCaching.Internal;

/// <summary>
/// A request's <c>Range</c> (RFC 9110 §14.2), as far as the cache answers it from a stored complete response: one range
/// of bytes. A request with several ranges goes to the origin as it is; a field that is not a valid byte range set, or
/// names another unit, is ignored (§14.2: a server may ignore it), so the full response is served.
/// </summary>
internal readonly record struct ByteRange
{
    /// <summary>What a request's <c>Range</c> asks of the cache.</summary>
    public enum Kinds
    {
        /// <summary>No <c>Range</c>, or one that is ignored: the full response.</summary>
        None,

        /// <summary>One range of bytes, which a stored complete response can answer with a 206 or a 416.</summary>
        Single,

        /// <summary>Several ranges: sent to the origin as they are.</summary>
        Multiple,
    }

    public Kinds Kind { get; init; }

    /// <summary>The first byte position, or -1 for a suffix range.</summary>
    public long First { get; init; }

    /// <summary>The last byte position (inclusive), or -1 when open-ended; the suffix length for a suffix range.</summary>
    public long Last { get; init; }

    public static ByteRange None => default;

    /// <summary>Reads the request's <c>Range</c>; <see cref="Kinds.None"/> when it has none or one to ignore.</summary>
    public static ByteRange Of(HttpRequestMessage request)
    {
        if (!request.Headers.NonValidated.TryGetValues("Range", out var values))
        {
            return None;
        }

        // Several Range lines make one list; more than one range in all is sent on.
        return Parse(values.ToString());
    }

    /// <summary>Parses <c>bytes=first-last</c>, <c>bytes=first-</c> or <c>bytes=-suffix</c>.</summary>
    public static ByteRange Parse(string value)
    {
        var span = value.AsSpan().Trim(" \t");
        var equals = span.IndexOf('=');
        if (equals <= 0 || !span[..equals].Trim(" \t").Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }

        // Empty list elements are allowed (RFC 9110 §5.6.1); one invalid range makes the whole set invalid (§14.1.1).
        var result = None;
        foreach (var part in span[(equals + 1)..].ToString().Split(','))
        {
            var spec = part.AsSpan().Trim(" \t");
            if (spec.IsEmpty)
            {
                continue;
            }

            var range = ParseOne(spec);
            if (range.Kind == Kinds.None)
            {
                return None;
            }

            result = result.Kind == Kinds.None ? range : new ByteRange { Kind = Kinds.Multiple };
        }

        return result;
    }

    /// <summary>
    /// The bytes this range selects of a representation of <paramref name="length"/> bytes, or <see langword="false"/>
    /// when it selects none (a 416, RFC 9110 §15.5.17).
    /// </summary>
    public bool TryResolve(long length, out long offset, out long count)
    {
        offset = 0;
        count = 0;
        if (First < 0)
        {
            // A suffix: the last bytes, all of them when the representation is shorter.
            if (Last <= 0 || length == 0)
            {
                return false;
            }

            count = Math.Min(Last, length);
            offset = length - count;
            return true;
        }

        if (First >= length)
        {
            return false;
        }

        offset = First;
        count = (Last < 0 || Last >= length ? length - 1 : Last) - First + 1;
        return true;
    }

    private static ByteRange ParseOne(ReadOnlySpan<char> spec)
    {
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return None;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.IsEmpty)
        {
            return TryDigits(last, out var suffix) ? new ByteRange { Kind = Kinds.Single, First = -1, Last = suffix } : None;
        }

        if (!TryDigits(first, out var start))
        {
            return None;
        }

        if (last.IsEmpty)
        {
            return new ByteRange { Kind = Kinds.Single, First = start, Last = -1 };
        }

        // §14.1.1: a last position below the first makes the range set invalid.
        return TryDigits(last, out var end) && end >= start ? new ByteRange { Kind = Kinds.Single, First = start, Last = end } : None;
    }

    /// <summary>1*DIGIT, saturating instead of overflowing (a position past any representation is simply past its end).</summary>
    private static bool TryDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : (value * 10) + (c - '0');
        }

        return true;
    }
}
