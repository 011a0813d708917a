using System.Globalization;
using System.Numerics;
using System.Text;
using CsCheck;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>
/// Property-based tests of the header parsers: whatever a header holds, they return a value and never throw, and what
/// a well-formed generator writes they read back.
/// </summary>
public sealed class HeaderParserPropertyTests
{
    private const long Iterations = 2_000;

    private static readonly long MinSecond = DateTimeOffset.MinValue.UtcTicks / TimeSpan.TicksPerSecond;
    private static readonly long MaxSecond = DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerSecond;

    /// <summary>Any instant with whole seconds that an HTTP date can name.</summary>
    private static readonly Gen<DateTimeOffset> Instant =
        Gen.Long[MinSecond, MaxSecond].Select(s => new DateTimeOffset(s * TimeSpan.TicksPerSecond, TimeSpan.Zero));

    /// <summary>Any clock reading, to the tick.</summary>
    private static readonly Gen<DateTimeOffset> Clock =
        Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks].Select(t => new DateTimeOffset(t, TimeSpan.Zero));

    /// <summary>Characters that dates, lists and directives are made of, and some that they must not hold.</summary>
    private static readonly Gen<char> HeaderChar = Gen.Frequency(
        (6, Gen.Char["SunMonTueWedThuFriSatdayJanFebMarAprMayJunJulAugSepOctNovDecGMTUTCgmt0123456789"]),
        (4, Gen.Char[" ,:-\t\"\\=;/*W"]),
        (1, Gen.Char['\u0000', '\u007F']),
        (1, Gen.Char));

    private static readonly Gen<string> HeaderText = HeaderChar.Array[0, 40].Select(chars => new string(chars));

    /// <summary>Arbitrary strings: any UTF-16 code units, of any length up to 100.</summary>
    private static readonly Gen<string> AnyText = Gen.OneOf(Gen.String, HeaderText, Gen.Char.Array[0, 100].Select(chars => new string(chars)));

    // ----- HTTP dates -----

    [Fact]
    public void HttpDateTryParse_AnyString_NeverThrowsAndAcceptsOnlyWhatFormatsBack()
    {
        Gen.Select(Gen.OneOf(AnyText, MutatedDate()), Clock).Sample((value, now) =>
        {
            if (HttpDate.TryParse(value, now, out var parsed))
            {
                Assert.Equal(TimeSpan.Zero, parsed.Offset);
                Assert.Equal(0, parsed.UtcTicks % TimeSpan.TicksPerSecond);
                Assert.True(HttpDate.TryParse(HttpDate.Format(parsed), now, out var again));
                Assert.Equal(parsed, again);
            }

            if (HttpDate.TryParse(value, out var withoutClock))
            {
                Assert.Equal(TimeSpan.Zero, withoutClock.Offset);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void HttpDateFormat_AnySecondPrecisionInstant_ParsesBackToIt()
    {
        Gen.Select(Instant, Clock, Gen.Int[0, 2]).Sample((instant, now, casing) =>
        {
            var formatted = HttpDate.Format(instant);
            Assert.True(HttpDate.TryParse(formatted, now, out var parsed), formatted);
            Assert.Equal(instant, parsed);
            Assert.True(HttpDate.TryParse(Recase(formatted, casing), now, out parsed), formatted);
            Assert.Equal(instant, parsed);
            Assert.True(HttpDate.TryParse(formatted, out parsed));
            Assert.Equal(instant, parsed);
        }, iter: Iterations);
    }

    [Fact]
    public void HttpDateTryParse_AnyAsctimeRendering_ParsesToThatInstant()
    {
        Gen.Select(Instant, Clock, Gen.Bool, Gen.Int[0, 2]).Sample((instant, now, padWithSpace, casing) =>
        {
            var day = padWithSpace
                ? instant.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2, ' ')
                : instant.Day.ToString("00", CultureInfo.InvariantCulture);
            var asctime = Recase(
                instant.ToString("ddd MMM ", CultureInfo.InvariantCulture) + day + instant.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture),
                casing);

            Assert.True(HttpDate.TryParse(asctime, now, out var parsed), asctime);
            Assert.Equal(instant, parsed);
        }, iter: Iterations);
    }

    [Fact]
    public void HttpDateTryParse_AnyRfc850RenderingWithinFiftyYearsOfNow_ParsesToThatInstant()
    {
        // A clock up to 49 years either side of the instant: the two-digit year then names exactly that instant.
        var cases = Gen.Select(Instant, Gen.Long[-49L * 365 * 86_400, 49L * 365 * 86_400], Gen.Int[0, 2])
            .Where((instant, offset, _) => instant.UtcTicks + (offset * TimeSpan.TicksPerSecond) is var ticks
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks);

        cases.Sample((instant, offset, casing) =>
        {
            var now = instant.AddSeconds(offset);
            var rfc850 = Recase(instant.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture), casing);

            Assert.True(HttpDate.TryParse(rfc850, now, out var parsed), rfc850 + " at " + now.ToString("o", CultureInfo.InvariantCulture));
            Assert.Equal(instant, parsed);
        }, iter: Iterations);
    }

    [Fact]
    public void HttpDateTryParse_Rfc850Year_IsNeverMoreThanFiftyYearsAhead()
    {
        Gen.Select(Instant, Clock).Sample((instant, now) =>
        {
            var rfc850 = instant.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);
            if (HttpDate.TryParse(rfc850, now, out var parsed))
            {
                // The latest year with those two digits that is not more than 50 years ahead (and that can be held).
                Assert.Equal(instant.Year % 100, parsed.Year % 100);
                var limit = now.Year > 9949 ? DateTimeOffset.MaxValue : now.AddYears(50);
                Assert.True(parsed <= limit, rfc850);
                Assert.True(parsed.Year > 9899 || parsed.AddYears(100).AddDays(1) > limit, rfc850);
            }
        }, iter: Iterations);
    }

    // ----- Cache-Control -----

    [Fact]
    public void CacheControlParse_AnyString_NeverThrows()
    {
        AnyText.Array[0, 3].Sample(lines =>
        {
            foreach (var line in lines)
            {
                _ = CacheControl.Parse(line);
                _ = CacheControl.ParseDeltaSeconds(line);
            }

            using var response = new HttpResponseMessage();
            foreach (var line in lines)
            {
                response.Headers.TryAddWithoutValidation("Cache-Control", line);
            }

            _ = CacheControl.Parse(response.Headers);
        }, iter: Iterations);
    }

    [Fact]
    public void CacheControlParse_GeneratedDirectiveList_ParsesToWhatWasGenerated()
    {
        var lists = Gen.Select(Directive.Array[0, 8], Gen.OneOf(",", ", ", " , ", ",, ", " ,\t").Array[8]);
        lists.Sample((directives, separators) =>
        {
            var line = new StringBuilder();
            for (var i = 0; i < directives.Length; i++)
            {
                line.Append(i == 0 ? string.Empty : separators[i]).Append(directives[i].Text);
            }

            Assert.Equal(Model(directives), CacheControl.Parse(line.ToString()));
        }, iter: Iterations);
    }

    // ----- Entity-tag lists -----

    [Fact]
    public void EntityTags_AnyString_NeverThrows()
    {
        Gen.Select(AnyText, AnyText).Sample((line, stored) =>
        {
            foreach (var tag in Conditionals.EntityTags(line))
            {
                Assert.NotEqual(0, tag.Length);
                _ = CachePolicy.IsStrong(tag);
                _ = CachePolicy.WeakMatch(tag, stored);
                _ = CachePolicy.WeakMatch(stored, tag);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void ConditionalsNotModified_AnyValidatorValues_NeverThrows()
    {
        Gen.Select(AnyText, AnyText, AnyText, Gen.OneOf(AnyText, Gen.Const("Sun, 06 Nov 1994 08:49:37 GMT"))).Sample((ifNoneMatch, ifModifiedSince, etag, lastModified) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.test/");
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            request.Headers.TryAddWithoutValidation("If-Modified-Since", ifModifiedSince);
            var entry = RecordReaderPropertyTests.Entry(etag, lastModified);
            _ = Conditionals.NotModified(request, entry);
            _ = Conditionals.NotModified(request, entry with { ETag = null });
        }, iter: Iterations);
    }

    [Fact]
    public void EntityTags_GeneratedList_ReadsBackEachTag()
    {
        // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (commas included).
        var etagc = Gen.Frequency((1, Gen.Const('!')), (10, Gen.Char['\u0023', '\u007E']), (1, Gen.Char['\u0080', '\u00FF']));
        var tag = Gen.Select(Gen.Bool, etagc.Array[0, 12], (weak, chars) => (weak ? "W/" : string.Empty) + "\"" + new string(chars) + "\"");
        var lists = Gen.Select(tag.Array[1, 6], Gen.OneOf(",", ", ", " ,  ", "\t,").Array[6]);

        lists.Sample((tags, separators) =>
        {
            var line = new StringBuilder(tags[0]);
            for (var i = 1; i < tags.Length; i++)
            {
                line.Append(separators[i]).Append(tags[i]);
            }

            Assert.Equal(tags, Conditionals.EntityTags(line.ToString()).ToArray());
            Assert.All(tags, t => Assert.True(CachePolicy.WeakMatch(t, t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : "W/" + t)));
        }, iter: Iterations);
    }

    // ----- Vary -----

    [Fact]
    public void VariantsNamesAndId_AnyHeaderValues_NeverThrow()
    {
        Gen.Select(AnyText.Array[0, 3], AnyText.Array[0, 4], AnyText.Array[0, 4], Gen.Bool).Sample((varyLines, requestNames, requestValues, ignoreValidators) =>
        {
            using var response = new HttpResponseMessage();
            foreach (var line in varyLines)
            {
                response.Headers.TryAddWithoutValidation("Vary", line);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.test/");
            for (var i = 0; i < Math.Min(requestNames.Length, requestValues.Length); i++)
            {
                request.Headers.TryAddWithoutValidation(requestNames[i], requestValues[i]);
            }

            var names = Variants.Names(response);
            if (names is null)
            {
                return;
            }

            Assert.NotEmpty(names);
            if (!Variants.IsStar(names))
            {
                Assert.Equal(names.Order(StringComparer.Ordinal).Distinct(), names);
                Assert.All(names, n => Assert.Equal(n.ToLowerInvariant(), n));
                Assert.All(names, n => Assert.DoesNotContain(',', n));
                // More names than a record holds are never stored (CachePolicy.CheckStorable).
                if (names.Length <= RecordLimits.MaxVaryFields && names.All(n => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(n)) == n))
                {
                    Assert.Equal(names, Variants.TryDeserialize(Variants.Serialize(names)));
                }
            }

            // Every name the request could have sent, plus the response's own.
            string[] all = [.. names, .. requestNames.Where(n => n.Length > 0)];
            Assert.Equal(22, Variants.Id(names, request, ignoreValidators).Length);
            Assert.Equal(22, Variants.Id(all, request, ignoreValidators).Length);
        }, iter: Iterations);
    }

    [Fact]
    public void VariantsSerialize_AnyNames_TryDeserializeRoundTrips()
    {
        // Names are non-empty and whole UTF-16 (what Names returns is); up to the 64 a record may hold.
        var name = Gen.Frequency((4, Gen.Char['\u0021', '\u007E']), (1, Gen.Char['\u0000', '\uD7FF'])).Array[1, 30].Select(chars => new string(chars));
        name.Array[1, 64].Sample(names =>
        {
            var record = Variants.Serialize(names);
            Assert.True(Variants.IsVaryRecord(record));
            Assert.Equal(names, Variants.TryDeserialize(record));
        }, iter: 500);
    }

    private static string Recase(string value, int casing) => casing switch
    {
        1 => value.ToUpperInvariant(),
        2 => value.ToLowerInvariant(),
        _ => value,
    };

    /// <summary>A valid date in one of the three forms with one character replaced, inserted or removed.</summary>
    private static Gen<string> MutatedDate() =>
        Gen.Select(Instant, Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 40], HeaderChar).Select((instant, form, edit, position, c) =>
        {
            var date = form switch
            {
                0 => HttpDate.Format(instant),
                1 => instant.ToString("dddd, dd-MMM-yy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture),
                _ => instant.ToString("ddd MMM dd HH:mm:ss yyyy", CultureInfo.InvariantCulture),
            };
            var at = Math.Min(position, date.Length - 1);
            return edit switch
            {
                0 => date.Remove(at, 1).Insert(at, c.ToString()),
                1 => date.Insert(at, c.ToString()),
                _ => date.Remove(at, 1),
            };
        });

    // ----- Cache-Control generator and model -----

    private static readonly string[] FlagNames =
        ["no-store", "public", "must-revalidate", "proxy-revalidate", "immutable", "must-understand", "no-transform", "only-if-cached"];

    private static readonly string[] DeltaNames =
        ["max-age", "s-maxage", "max-stale", "min-fresh", "stale-while-revalidate", "stale-if-error"];

    /// <summary>
    /// One directive: its text, its lower-case name, and the argument the parser should see (<see langword="null"/>
    /// for none).
    /// </summary>
    private static readonly Gen<(string Text, string Name, string? Argument)> Directive = Gen.Frequency(
        (3, Gen.Select(Gen.OneOf(FlagNames), Gen.Int[0, 2]).Select((name, casing) => (Recase(name, casing), name, (string?)null))),
        (4, Gen.Select(Gen.OneOf(DeltaNames), Gen.Int[0, 2], DeltaArgument(), Gen.OneOf("=", " =", "= ", " = ")).Select((name, casing, argument, equals) =>
            (Recase(name, casing) + (argument.Text is null ? string.Empty : equals + argument.Text), name, argument.Seen))),
        (2, Gen.Select(Gen.OneOf("no-cache", "private"), Gen.Int[0, 2], FieldList()).Select((name, casing, fields) =>
            (Recase(name, casing) + (fields.Text is null ? string.Empty : "=" + fields.Text), name, fields.Seen))),
        (1, Gen.OneOf(
            ("x-ext", "x-ext", (string?)null),
            ("community=\"UCI, max-age=5, no-store\"", "community", "UCI, max-age=5, no-store"),
            ("ext=tok", "ext", "tok"))));

    /// <summary>A delta-seconds argument as written, and as the parser sees it once unquoted.</summary>
    private static Gen<(string? Text, string? Seen)> DeltaArgument() => Gen.Frequency(
        (6, Gen.Char['0', '9'].Array[1, 25].Select(digits => new string(digits)).Select(d => ((string?)d, (string?)d))),
        (2, Gen.Char['0', '9'].Array[1, 12].Select(digits => new string(digits)).Select(d => ((string?)("\"" + d + "\""), (string?)d))),
        (1, Gen.OneOf<(string?, string?)>(("abc", "abc"), ("-1", "-1"), ("1.5", "1.5"), ("\"\"", string.Empty), ("6 0", "6 0"))),
        (1, Gen.Const<(string?, string?)>((null, null))));

    /// <summary>A qualified field list, quoted or as one token, or none.</summary>
    private static Gen<(string? Text, string? Seen)> FieldList() => Gen.Frequency(
        (2, Gen.OneOf("Set-Cookie", "X-Secret", "Authorization").Array[1, 3].Select(f => string.Join(", ", f)).Select(f => ((string?)("\"" + f + "\""), (string?)f))),
        (1, Gen.OneOf<(string?, string?)>(("Set-Cookie", "Set-Cookie"))),
        (1, Gen.Const<(string?, string?)>((null, null))));

    /// <summary>
    /// What RFC 9111 §5.2 makes of the directives: flags add up; the first of each delta wins; the field names of
    /// qualified <c>no-cache</c> and <c>private</c> add up, and an unqualified <c>private</c> makes the whole response private.
    /// </summary>
    private static CacheControl Model((string Text, string Name, string? Argument)[] directives)
    {
        var flags = CacheControlFlags.None;
        var deltas = new Dictionary<string, long>();
        string? noCacheFields = null, privateFields = null;
        var privateUnqualified = false;
        foreach (var (_, name, argument) in directives)
        {
            flags |= name switch
            {
                "no-store" => CacheControlFlags.NoStore,
                "no-cache" => CacheControlFlags.NoCache,
                "private" => CacheControlFlags.Private,
                "public" => CacheControlFlags.Public,
                "must-revalidate" => CacheControlFlags.MustRevalidate,
                "proxy-revalidate" => CacheControlFlags.ProxyRevalidate,
                "immutable" => CacheControlFlags.Immutable,
                "must-understand" => CacheControlFlags.MustUnderstand,
                "no-transform" => CacheControlFlags.NoTransform,
                "only-if-cached" => CacheControlFlags.OnlyIfCached,
                _ => CacheControlFlags.None,
            };

            if (name == "no-cache" && argument is not null)
            {
                noCacheFields = noCacheFields is null ? argument : noCacheFields + ", " + argument;
            }
            else if (name == "private" && argument is not null)
            {
                privateFields = privateFields is null ? argument : privateFields + ", " + argument;
            }
            else if (name == "private")
            {
                privateUnqualified = true;
            }
            else if (DeltaNames.Contains(name) && !deltas.ContainsKey(name))
            {
                if (name == "max-stale" && argument is null)
                {
                    flags |= CacheControlFlags.MaxStaleAny;
                    deltas[name] = CacheControl.Absent;
                }
                else
                {
                    deltas[name] = DeltaSeconds(argument);
                }
            }
        }

        long Delta(string name) => deltas.TryGetValue(name, out var value) ? value : CacheControl.Absent;

        return new CacheControl
        {
            Flags = flags,
            MaxAge = Delta("max-age"),
            SharedMaxAge = Delta("s-maxage"),
            MaxStale = Delta("max-stale"),
            MinFresh = Delta("min-fresh"),
            StaleWhileRevalidate = Delta("stale-while-revalidate"),
            StaleIfError = Delta("stale-if-error"),
            NoCacheFields = noCacheFields,
            PrivateFields = privateUnqualified ? null : privateFields,
        };
    }

    /// <summary>RFC 9111 §1.2.2: digits only, anything larger than 2^31 taken as 2^31; a missing value is invalid.</summary>
    private static long DeltaSeconds(string? argument) =>
        argument is { Length: > 0 } && argument.All(char.IsAsciiDigit)
            ? (long)BigInteger.Min(BigInteger.Parse(argument, CultureInfo.InvariantCulture), CacheControl.Overflow)
            : CacheControl.Invalid;
}
