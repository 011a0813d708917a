using System.Net.Http.Headers;
using System.Text;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class CacheControlTests
{
    private const string MaxAge = nameof(CacheControl.MaxAge);
    private const string SharedMaxAge = nameof(CacheControl.SharedMaxAge);
    private const string MaxStale = nameof(CacheControl.MaxStale);
    private const string MinFresh = nameof(CacheControl.MinFresh);
    private const string Swr = nameof(CacheControl.StaleWhileRevalidate);
    private const string Sie = nameof(CacheControl.StaleIfError);

    private static readonly string[] DeltaNames = [MaxAge, SharedMaxAge, MaxStale, MinFresh, Swr, Sie];

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",,, ;; ,")]
    [InlineData("unknown, x-foo=bar, ext=\"a, max-age=5\"")]
    [InlineData("=")]
    [InlineData("=60")]
    public void Parse_NoKnownDirectives_ReturnsEmpty(string? line)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(CacheControl.Empty, parsed);
        Assert.Equal(CacheControlFlags.None, parsed.Flags);
        Assert.Null(parsed.NoCacheFields);
        Assert.Null(parsed.PrivateFields);
        foreach (var name in DeltaNames)
        {
            Assert.Equal(CacheControl.Absent, Delta(parsed, name));
        }
    }

    [Theory]
    [InlineData("foo; no-store", nameof(CacheControlFlags.NoStore))]
    [InlineData("foo;no-cache", nameof(CacheControlFlags.NoCache))]
    [InlineData("foo ;\tprivate", nameof(CacheControlFlags.Private))]
    [InlineData("foo; must-revalidate", nameof(CacheControlFlags.MustRevalidate))]
    [InlineData("foo; x=1; proxy-revalidate", nameof(CacheControlFlags.ProxyRevalidate))]
    [InlineData("foo; PRIVATE=\"X-User\"", nameof(CacheControlFlags.Private))]
    public void Parse_RestrictionAfterASemicolon_SetsItUnqualified(string line, string flag)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(Enum.Parse<CacheControlFlags>(flag), parsed.Flags);
        Assert.Null(parsed.PrivateFields);
    }

    [Theory]
    [InlineData("max-age=600; public")]
    [InlineData("no-store; must-understand")]
    [InlineData("max-age=600; immutable")]
    [InlineData("max-age=600; foo=bar")]
    public void Parse_OtherNameAfterASemicolon_Ignored(string line)
    {
        var withoutParameter = CacheControl.Parse(line[..line.IndexOf(';', StringComparison.Ordinal)]);
        Assert.Equal(withoutParameter.Flags, CacheControl.Parse(line).Flags);
    }

    [Theory]
    [InlineData("no-store", nameof(CacheControlFlags.NoStore))]
    [InlineData("no-cache", nameof(CacheControlFlags.NoCache))]
    [InlineData("private", nameof(CacheControlFlags.Private))]
    [InlineData("public", nameof(CacheControlFlags.Public))]
    [InlineData("must-revalidate", nameof(CacheControlFlags.MustRevalidate))]
    [InlineData("proxy-revalidate", nameof(CacheControlFlags.ProxyRevalidate))]
    [InlineData("immutable", nameof(CacheControlFlags.Immutable))]
    [InlineData("must-understand", nameof(CacheControlFlags.MustUnderstand))]
    [InlineData("no-transform", nameof(CacheControlFlags.NoTransform))]
    [InlineData("only-if-cached", nameof(CacheControlFlags.OnlyIfCached))]
    [InlineData("max-stale", nameof(CacheControlFlags.MaxStaleAny))]
    [InlineData("NO-STORE", nameof(CacheControlFlags.NoStore))]
    [InlineData("No-Cache", nameof(CacheControlFlags.NoCache))]
    [InlineData("PuBlIc", nameof(CacheControlFlags.Public))]
    [InlineData("Max-Stale", nameof(CacheControlFlags.MaxStaleAny))]
    [InlineData("  \tmust-revalidate\t  ", nameof(CacheControlFlags.MustRevalidate))]
    [InlineData(", ,immutable,,", nameof(CacheControlFlags.Immutable))]
    public void Parse_FlagDirective_SetsExactlyThatFlag(string line, string flag)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(Enum.Parse<CacheControlFlags>(flag), parsed.Flags);
        Assert.True(parsed.Has(Enum.Parse<CacheControlFlags>(flag)));
        foreach (var name in DeltaNames)
        {
            Assert.Equal(CacheControl.Absent, Delta(parsed, name));
        }
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("no-cache")]
    [InlineData("private")]
    [InlineData("public")]
    [InlineData("must-revalidate")]
    [InlineData("proxy-revalidate")]
    [InlineData("immutable")]
    [InlineData("must-understand")]
    [InlineData("no-transform")]
    [InlineData("only-if-cached")]
    [InlineData("max-stale")]
    public void Parse_FlagDirectiveRepeated_StillSet(string directive)
    {
        // A hostile origin (or caller) that repeats a directive must not turn it off.
        var once = CacheControl.Parse(directive).Flags;
        Assert.Equal(once, CacheControl.Parse($"{directive}, {directive}").Flags);
        Assert.Equal(once, CacheControl.Parse($"{directive},{directive.ToUpperInvariant()},{directive}").Flags);
    }

    [Fact]
    public void Parse_FlagDirectivesRepeatedOnTwoLines_StillSet()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "no-store, private");
        response.Headers.TryAddWithoutValidation("Cache-Control", "no-store, private");
        Assert.Equal(CacheControlFlags.NoStore | CacheControlFlags.Private, CacheControl.Parse(response.Headers).Flags);
    }

    [Fact]
    public void Parse_AllFlagDirectives_SetsEveryFlag()
    {
        var parsed = CacheControl.Parse(
            "no-store, no-cache, private, public, must-revalidate, proxy-revalidate, immutable, must-understand, no-transform, only-if-cached, max-stale");

        var all = CacheControlFlags.None;
        foreach (var flag in Enum.GetValues<CacheControlFlags>())
        {
            all |= flag;
        }

        // The entry-only flags describe stored entries; no directive sets them.
        Assert.Equal(all & ~CacheControlFlags.EntryOnly, parsed.Flags);
    }

    [Theory]
    [InlineData("max-age=60", MaxAge, 60L)]
    [InlineData("s-maxage=120", SharedMaxAge, 120L)]
    [InlineData("max-stale=30", MaxStale, 30L)]
    [InlineData("min-fresh=15", MinFresh, 15L)]
    [InlineData("stale-while-revalidate=45", Swr, 45L)]
    [InlineData("stale-if-error=86400", Sie, 86400L)]
    [InlineData("max-age=0", MaxAge, 0L)]
    [InlineData("max-age=007", MaxAge, 7L)]
    [InlineData("MAX-AGE=60", MaxAge, 60L)]
    [InlineData("S-MaxAge=5", SharedMaxAge, 5L)]
    [InlineData("Stale-While-Revalidate=9", Swr, 9L)]
    [InlineData("max-age = 60", MaxAge, 60L)]
    [InlineData("max-age=\t60\t", MaxAge, 60L)]
    [InlineData("  max-age=60  ,", MaxAge, 60L)]
    [InlineData("max-age=\"60\"", MaxAge, 60L)]
    [InlineData("max-age=\" 60 \"", MaxAge, 60L)]
    [InlineData("max-age=60;foo=bar", MaxAge, 60L)]
    [InlineData("max-age=2147483647", MaxAge, 2147483647L)]
    [InlineData("max-age=2147483648", MaxAge, CacheControl.Overflow)]
    [InlineData("max-age=99999999999999999999", MaxAge, CacheControl.Overflow)]
    [InlineData("s-maxage=99999999999999999999999999999999999999", SharedMaxAge, CacheControl.Overflow)]
    [InlineData("stale-if-error=4294967296", Sie, CacheControl.Overflow)]
    [InlineData("max-age=abc", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=-1", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=+1", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=1.5", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=1e3", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=0x10", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=1 2", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=   ", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=, ", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=\"\"", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=\"abc\"", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=\u0661\u0662", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age", MaxAge, CacheControl.Invalid)]
    [InlineData("s-maxage", SharedMaxAge, CacheControl.Invalid)]
    [InlineData("min-fresh", MinFresh, CacheControl.Invalid)]
    [InlineData("stale-while-revalidate", Swr, CacheControl.Invalid)]
    [InlineData("stale-if-error", Sie, CacheControl.Invalid)]
    [InlineData("max-stale=abc", MaxStale, CacheControl.Invalid)]
    [InlineData("max-stale=", MaxStale, CacheControl.Invalid)]
    public void Parse_DeltaDirective_ReturnsExpectedValue(string line, string directive, long expected)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(expected, Delta(parsed, directive));
        Assert.Equal(CacheControlFlags.None, parsed.Flags);
        foreach (var name in DeltaNames)
        {
            if (name != directive)
            {
                Assert.Equal(CacheControl.Absent, Delta(parsed, name));
            }
        }
    }

    [Fact]
    public void Parse_EveryDeltaDirectiveTogether_ReadsEachIndependently()
    {
        var parsed = CacheControl.Parse(
            "max-age=1, s-maxage=2, max-stale=3, min-fresh=4, stale-while-revalidate=5, stale-if-error=6, public");

        Assert.Equal(1, parsed.MaxAge);
        Assert.Equal(2, parsed.SharedMaxAge);
        Assert.Equal(3, parsed.MaxStale);
        Assert.Equal(4, parsed.MinFresh);
        Assert.Equal(5, parsed.StaleWhileRevalidate);
        Assert.Equal(6, parsed.StaleIfError);
        Assert.Equal(CacheControlFlags.Public, parsed.Flags);
    }

    [Fact]
    public void Parse_MaxStaleWithoutValue_SetsAnyFlagAndLeavesValueAbsent()
    {
        var parsed = CacheControl.Parse("max-stale");

        Assert.True(parsed.Has(CacheControlFlags.MaxStaleAny));
        Assert.Equal(CacheControl.Absent, parsed.MaxStale);
    }

    [Fact]
    public void Parse_MaxStaleWithValue_SetsValueAndNotAnyFlag()
    {
        var parsed = CacheControl.Parse("max-stale=10");

        Assert.False(parsed.Has(CacheControlFlags.MaxStaleAny));
        Assert.Equal(10, parsed.MaxStale);
    }

    [Theory]
    [InlineData("max-stale, max-stale=10", true, CacheControl.Absent)]
    [InlineData("max-stale=10, max-stale", false, 10L)]
    [InlineData("max-stale=10, max-stale=20", false, 10L)]
    [InlineData("max-stale=abc, max-stale=20", false, CacheControl.Invalid)]
    public void Parse_DuplicateMaxStale_FirstOccurrenceWins(string line, bool any, long expected)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(any, parsed.Has(CacheControlFlags.MaxStaleAny));
        Assert.Equal(expected, parsed.MaxStale);
    }

    [Theory]
    [InlineData("max-age=10, max-age=20", MaxAge, 10L)]
    [InlineData("max-age=20, MAX-AGE=10", MaxAge, 20L)]
    [InlineData("max-age=abc, max-age=20", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age, max-age=20", MaxAge, CacheControl.Invalid)]
    [InlineData("max-age=20, max-age=abc", MaxAge, 20L)]
    [InlineData("s-maxage=1, s-maxage=2", SharedMaxAge, 1L)]
    [InlineData("min-fresh=1, min-fresh=2", MinFresh, 1L)]
    [InlineData("stale-while-revalidate=1, stale-while-revalidate=2", Swr, 1L)]
    [InlineData("stale-if-error=1, stale-if-error=2", Sie, 1L)]
    public void Parse_DuplicateDeltaDirective_FirstOccurrenceWins(string line, string directive, long expected)
    {
        Assert.Equal(expected, Delta(CacheControl.Parse(line), directive));
    }

    [Theory]
    [InlineData("no-cache=\"Set-Cookie\"", "Set-Cookie")]
    [InlineData("no-cache=\"Set-Cookie, X-Token\"", "Set-Cookie, X-Token")]
    [InlineData("no-cache=\"a,b,c\", max-age=5", "a,b,c")]
    [InlineData("no-cache=Set-Cookie", "Set-Cookie")]
    [InlineData("no-cache = \"X-A\"", "X-A")]
    [InlineData("NO-CACHE=\"X-A\"", "X-A")]
    [InlineData("no-cache=\"a\\\"b\"", "a\"b")]
    [InlineData("no-cache=\"a\\\\b\"", "a\\b")]
    [InlineData("no-cache=\"a\\,b\"", "a,b")]
    [InlineData("no-cache=\"unterminated, max-age=5", "unterminated, max-age=5")]
    [InlineData("no-cache=\"X-A\", no-cache=\"X-B\"", "X-A, X-B")]
    [InlineData("no-cache, no-cache=\"X-B\"", "X-B")]
    public void Parse_NoCacheWithFieldNames_KeepsUnquotedFieldList(string line, string expected)
    {
        var parsed = CacheControl.Parse(line);

        Assert.True(parsed.Has(CacheControlFlags.NoCache));
        Assert.Equal(expected, parsed.NoCacheFields);
        Assert.Null(parsed.PrivateFields);
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("no-cache=")]
    [InlineData("no-cache=\"\"")]
    [InlineData("no-cache=\"   \"")]
    [InlineData("no-cache=   , public")]
    public void Parse_NoCacheWithoutFieldNames_HasFlagAndNullFields(string line)
    {
        var parsed = CacheControl.Parse(line);

        Assert.True(parsed.Has(CacheControlFlags.NoCache));
        Assert.Null(parsed.NoCacheFields);
    }

    [Theory]
    [InlineData("private=\"Set-Cookie\"", "Set-Cookie")]
    [InlineData("private=\"Set-Cookie, Authorization-Info\"", "Set-Cookie, Authorization-Info")]
    [InlineData("private=X-User", "X-User")]
    [InlineData("Private=\"a\\\"b\"", "a\"b")]
    [InlineData("private=\"X-A\", private=\"X-B\"", "X-A, X-B")]
    [InlineData("max-age=5, private=\"X-A\"", "X-A")]
    public void Parse_PrivateWithFieldNames_KeepsUnquotedFieldList(string line, string expected)
    {
        var parsed = CacheControl.Parse(line);

        Assert.True(parsed.Has(CacheControlFlags.Private));
        Assert.Equal(expected, parsed.PrivateFields);
        Assert.Null(parsed.NoCacheFields);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("private=\"\"")]
    [InlineData("private=")]
    [InlineData("private, private=\"X-A\"")]
    [InlineData("private=\"X-A\", private")]
    [InlineData("private=\"X-A\", private=\"\"")]
    public void Parse_PrivateWithoutFieldNames_HasFlagAndNullFields(string line)
    {
        var parsed = CacheControl.Parse(line);

        Assert.True(parsed.Has(CacheControlFlags.Private));
        Assert.Null(parsed.PrivateFields);
    }

    [Fact]
    public void Parse_QuotedValueWithCommasAndDirectiveNames_DoesNotLeakDirectives()
    {
        var parsed = CacheControl.Parse("private=\"no-store, max-age=1, X-A\", ext=\"s-maxage=9, no-cache\", max-age=60");

        Assert.Equal(CacheControlFlags.Private, parsed.Flags);
        Assert.Equal("no-store, max-age=1, X-A", parsed.PrivateFields);
        Assert.Equal(60, parsed.MaxAge);
        Assert.Equal(CacheControl.Absent, parsed.SharedMaxAge);
    }

    [Fact]
    public void Parse_QuotedValueFollowedByJunk_IgnoresJunkUpToNextComma()
    {
        var parsed = CacheControl.Parse("no-cache=\"X-A\"junk no-store, public");

        Assert.Equal(CacheControlFlags.NoCache | CacheControlFlags.Public, parsed.Flags);
        Assert.Equal("X-A", parsed.NoCacheFields);
    }

    [Theory]
    [InlineData("max-age=60, unknown=\"x,y\", foo, bar=baz, public", 60L, nameof(CacheControlFlags.Public))]
    [InlineData("max-agex=5, public", CacheControl.Absent, nameof(CacheControlFlags.Public))]
    [InlineData("xmax-age=5, no-store", CacheControl.Absent, nameof(CacheControlFlags.NoStore))]
    [InlineData("max_age=5, no-store", CacheControl.Absent, nameof(CacheControlFlags.NoStore))]
    [InlineData("no-stored, public", CacheControl.Absent, nameof(CacheControlFlags.Public))]
    public void Parse_UnknownDirectives_AreIgnored(string line, long maxAge, string flags)
    {
        var parsed = CacheControl.Parse(line);

        Assert.Equal(maxAge, parsed.MaxAge);
        Assert.Equal(Enum.Parse<CacheControlFlags>(flags), parsed.Flags);
    }

    [Fact]
    public void Parse_WhitespaceAroundEverything_IsTolerated()
    {
        var parsed = CacheControl.Parse(" \t public \t,\t max-age \t = \t 60 \t , \t no-cache \t = \t \"X-A\" \t ");

        Assert.Equal(CacheControlFlags.Public | CacheControlFlags.NoCache, parsed.Flags);
        Assert.Equal(60, parsed.MaxAge);
        Assert.Equal("X-A", parsed.NoCacheFields);
    }

    [Fact]
    public void Parse_HeadersWithTwoLines_CombinesLines_FirstDeltaWins_FieldNamesAddUp()
    {
        using var response = new HttpResponseMessage();
        Assert.True(response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=5, private=\"X-A\""));
        Assert.True(response.Headers.TryAddWithoutValidation("Cache-Control", "no-store, max-age=10, s-maxage=20, private=\"X-B\""));

        var parsed = CacheControl.Parse(response.Headers);

        Assert.Equal(5, parsed.MaxAge);
        Assert.Equal(20, parsed.SharedMaxAge);
        Assert.Equal(CacheControlFlags.NoStore | CacheControlFlags.Private, parsed.Flags);
        Assert.Equal("X-A, X-B", parsed.PrivateFields);
    }

    [Fact]
    public void Parse_HeadersWithInvalidFirstLine_KeepsInvalidAndReadsLaterLines()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=soon");
        response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=10, immutable");

        var parsed = CacheControl.Parse(response.Headers);

        Assert.Equal(CacheControl.Invalid, parsed.MaxAge);
        Assert.Equal(CacheControlFlags.Immutable, parsed.Flags);
    }

    [Fact]
    public void Parse_HeadersWithoutCacheControl_ReturnsEmpty()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Pragma", "no-cache");

        Assert.Equal(CacheControl.Empty, CacheControl.Parse(response.Headers));
    }

    [Fact]
    public void Parse_RequestHeadersSetThroughTypedProperty_ReadsDirectives()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://a.test/");
        request.Headers.CacheControl = new CacheControlHeaderValue
        {
            NoCache = true,
            MaxStale = true,
            MaxStaleLimit = TimeSpan.FromSeconds(30),
            MinFresh = TimeSpan.FromSeconds(7),
        };

        var parsed = CacheControl.Parse(request.Headers);

        Assert.True(parsed.Has(CacheControlFlags.NoCache));
        Assert.Equal(30, parsed.MaxStale);
        Assert.Equal(7, parsed.MinFresh);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("86400", 86400L)]
    [InlineData(" 60 ", 60L)]
    [InlineData("\t60\t", 60L)]
    [InlineData("0000000000000000000000000000000042", 42L)]
    [InlineData("2147483647", 2147483647L)]
    [InlineData("2147483648", CacheControl.Overflow)]
    [InlineData("9223372036854775807", CacheControl.Overflow)]
    [InlineData("99999999999999999999999999999999999999999999", CacheControl.Overflow)]
    [InlineData("", CacheControl.Invalid)]
    [InlineData(" ", CacheControl.Invalid)]
    [InlineData("-1", CacheControl.Invalid)]
    [InlineData("-0", CacheControl.Invalid)]
    [InlineData("+5", CacheControl.Invalid)]
    [InlineData("1.5", CacheControl.Invalid)]
    [InlineData("1,000", CacheControl.Invalid)]
    [InlineData("abc", CacheControl.Invalid)]
    [InlineData("5s", CacheControl.Invalid)]
    [InlineData("\"5\"", CacheControl.Invalid)]
    [InlineData("\uff15", CacheControl.Invalid)]
    public void ParseDeltaSeconds_Input_ReturnsExpected(string value, long expected)
    {
        Assert.Equal(expected, CacheControl.ParseDeltaSeconds(value));
    }

    [Fact]
    public void Parse_RandomHostileInput_NeverThrowsAndKeepsInvariants()
    {
        const string alphabet = "\",=;\\ \t\r\n\0\u0001\u007f\u00a0\u00e9\u2028\u200b\ufeff\ud83d-_/()<>{}[]:?@0123456789abcdefghijklmnopqrstuvwxyzABCXYZ";
        string[] tokens =
        [
            "max-age", "s-maxage", "no-cache", "no-store", "private", "public", "must-revalidate", "proxy-revalidate",
            "immutable", "must-understand", "no-transform", "only-if-cached", "max-stale", "min-fresh",
            "stale-while-revalidate", "stale-if-error", "=", "=\"", "\\\"", "99999999999999999999", "2147483648", "-1",
        ];
        var random = new Random(1234);
        var builder = new StringBuilder();

        for (var iteration = 0; iteration < 5000; iteration++)
        {
            builder.Clear();
            var length = random.Next(0, 201);
            while (builder.Length < length)
            {
                if (random.Next(4) == 0)
                {
                    builder.Append(tokens[random.Next(tokens.Length)]);
                }
                else
                {
                    builder.Append(alphabet[random.Next(alphabet.Length)]);
                }
            }

            if (builder.Length > length)
            {
                builder.Length = length;
            }

            var line = builder.ToString();
            var parsed = CacheControl.Parse(line);

            foreach (var name in DeltaNames)
            {
                var value = Delta(parsed, name);
                Assert.True(
                    value is CacheControl.Absent or CacheControl.Invalid or (>= 0 and <= CacheControl.Overflow),
                    $"{name}={value} for input #{iteration}: {Escape(line)}");
            }

            Assert.True(parsed.NoCacheFields is null || parsed.Has(CacheControlFlags.NoCache), Escape(line));
            Assert.True(parsed.PrivateFields is null || parsed.Has(CacheControlFlags.Private), Escape(line));
            Assert.True(!parsed.Has(CacheControlFlags.MaxStaleAny) || parsed.MaxStale == CacheControl.Absent, Escape(line));
            Assert.Equal(parsed, CacheControl.Parse(line));

            var delta = CacheControl.ParseDeltaSeconds(line);
            Assert.True(delta is CacheControl.Invalid or (>= 0 and <= CacheControl.Overflow), Escape(line));
        }
    }

    private static long Delta(CacheControl parsed, string name) => name switch
    {
        MaxAge => parsed.MaxAge,
        SharedMaxAge => parsed.SharedMaxAge,
        MaxStale => parsed.MaxStale,
        MinFresh => parsed.MinFresh,
        Swr => parsed.StaleWhileRevalidate,
        Sie => parsed.StaleIfError,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static string Escape(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value)
        {
            builder.Append(c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return builder.ToString();
    }

    [Theory]
    [InlineData("99999999999abc")]
    [InlineData("2147483648s")]
    [InlineData("99999999999999999999x")]
    public void ParseDeltaSeconds_OverflowFollowedByNonDigit_IsInvalidNotOverflow(string value)
    {
        Assert.Equal(CacheControl.Invalid, CacheControl.ParseDeltaSeconds(value));
        Assert.Equal(CacheControl.Invalid, CacheControl.Parse($"max-age={value}").MaxAge);
    }

    [Theory]
    [InlineData("max-age=5 \t \t , public")]
    [InlineData("max-age=5 \t \t ")]
    [InlineData("max-age= \t 5\t ")]
    public void Parse_MixedSpacesAndTabsAroundValue_AreTrimmed(string line)
    {
        Assert.Equal(5, CacheControl.Parse(line).MaxAge);
    }
}
