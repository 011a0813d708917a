using System.Buffers.Binary;
using System.Text;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>Vary field names, variant ids and the Vary record's reader, down to each of its bounds.</summary>
public sealed class VariantsTests
{
    private static readonly string Generation = Variants.NewGeneration();

    [Theory]
    [InlineData(new[] { "Accept-Language" }, new[] { "accept-language" })]
    [InlineData(new[] { "b, A", "a" }, new[] { "a", "b" })]
    [InlineData(new[] { " Accept ,, Accept-Encoding " }, new[] { "accept", "accept-encoding" })]
    [InlineData(new[] { "accept, *" }, new[] { "*" })]
    [InlineData(new[] { "*" }, new[] { "*" })]
    public void Names_LowerCasedSortedWithoutDuplicates_StarAlone(string[] lines, string[] expected)
    {
        using var response = new HttpResponseMessage();
        foreach (var line in lines)
        {
            response.Headers.TryAddWithoutValidation("Vary", line);
        }

        Assert.Equal(expected, Variants.Names(response));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" , ,")]
    public void Names_NoneOrEmpty_Null(string? line)
    {
        using var response = new HttpResponseMessage();
        if (line is not null)
        {
            response.Headers.TryAddWithoutValidation("Vary", line);
        }

        Assert.Null(Variants.Names(response));
    }

    [Theory]
    [InlineData(new[] { "*" }, true)]
    [InlineData(new[] { "accept" }, false)]
    [InlineData(new[] { "*", "accept" }, false)]
    public void IsStar_OnlyTheSingleStar(string[] names, bool expected) => Assert.Equal(expected, Variants.IsStar(names));

    [Fact]
    public void Id_AbsentFieldAndEmptyField_Differ()
    {
        string[] names = ["accept-language"];
        Assert.NotEqual(Variants.Id(names, Request()), Variants.Id(names, Request(("Accept-Language", ""))));
    }

    [Fact]
    public void Id_WhiteSpaceAroundCommasAndLinesJoined_Same()
    {
        string[] names = ["accept"];
        var one = Variants.Id(names, Request(("Accept", "a,b")));
        Assert.Equal(one, Variants.Id(names, Request(("Accept", "a , b"))));
        Assert.Equal(one, Variants.Id(names, Request(("Accept", "a"), ("Accept", "b"))));
        Assert.NotEqual(one, Variants.Id(names, Request(("Accept", "ab"))));
        Assert.NotEqual(one, Variants.Id(names, Request(("Accept", "b,a"))));
    }

    [Theory]
    [InlineData("\"acme, corp\"", "\"acme,corp\"")]
    [InlineData("\"a\\\", b\"", "\"a\\\",b\"")]
    [InlineData("\"a\\\"\", b", "\"a\\\",b\"")]
    public void Id_ValuesThatDifferInsideAQuotedString_Differ(string first, string second)
    {
        // A quoted string is opaque (RFC 9110 §5.6.4), an escaped quote included: only commas outside it separate members.
        string[] names = ["x-tenant"];
        Assert.NotEqual(Variants.Id(names, Request(("X-Tenant", first))), Variants.Id(names, Request(("X-Tenant", second))));
    }

    [Fact]
    public void Id_QuotedStringSpanningTwoLines_IsTheValueTheLinesMake()
    {
        // Two lines go out as one value joined with ", " (RFC 9110 §5.3): "a and b" make the quoted string "a, b".
        string[] names = ["x-tenant"];
        var twoLines = Variants.Id(names, Request(("X-Tenant", "\"a"), ("X-Tenant", "b\"")));

        Assert.Equal(Variants.Id(names, Request(("X-Tenant", "\"a, b\""))), twoLines);
        Assert.NotEqual(Variants.Id(names, Request(("X-Tenant", "\"a,b\""))), twoLines);
    }

    [Fact]
    public void Id_QuotedMembersWithWhiteSpaceAroundTheirCommas_Same()
    {
        string[] names = ["x-tenant"];
        Assert.Equal(Variants.Id(names, Request(("X-Tenant", "\"a, b\" , c"))), Variants.Id(names, Request(("X-Tenant", "\"a, b\",c"))));
        Assert.Equal(Variants.Id(names, Request(("X-Tenant", "a,,b"))), Variants.Id(names, Request(("X-Tenant", "a, b"))));
    }

    [Fact]
    public void Id_CookieLines_JoinedAsCookiePairsNotAsAList()
    {
        // Two Cookie lines are one cookie string with both pairs (RFC 6265 §5.4, as HTTP/2 splits them); a comma is part of
        // a cookie's value, so "a=1,b=2" is one cookie named a.
        string[] names = ["cookie"];
        var twoLines = Variants.Id(names, Request(("Cookie", "a=1"), ("Cookie", "b=2")));
        Assert.Equal(twoLines, Variants.Id(names, Request(("Cookie", "a=1; b=2"))));
        Assert.Equal(twoLines, Variants.Id(names, Request(("Cookie", "a=1;b=2"))));
        Assert.NotEqual(twoLines, Variants.Id(names, Request(("Cookie", "a=1,b=2"))));
        Assert.NotEqual(Variants.Id(names, Request(("Cookie", "a=1, b=2"))), Variants.Id(names, Request(("Cookie", "a=1,b=2"))));
    }

    [Fact]
    public void Id_ValueOfAnotherFieldDoesNotLeakAcrossNames()
    {
        string[] names = ["a", "b"];
        Assert.NotEqual(Variants.Id(names, Request(("a", "x\nb"))), Variants.Id(names, Request(("a", "x"), ("b", ""))));
        Assert.NotEqual(Variants.Id(names, Request(("a", "1"))), Variants.Id(names, Request(("b", "1"))));
    }

    [Fact]
    public void Id_IgnoringValidators_ValidatorsDoNotSelect()
    {
        string[] names = ["if-none-match", "accept"];
        var with = Request(("If-None-Match", "\"a\""), ("Accept", "x"));
        var without = Request(("Accept", "x"));
        Assert.NotEqual(Variants.Id(names, with), Variants.Id(names, without));
        Assert.Equal(Variants.Id(names, with, ignoreValidators: true), Variants.Id(names, without, ignoreValidators: true));
        Assert.NotEqual(Variants.Id(names, without, ignoreValidators: true), Variants.Id(names, Request(("Accept", "y")), ignoreValidators: true));
    }

    [Fact]
    public void Id_IgnoringValidators_IfModifiedSinceToo()
    {
        string[] names = ["if-modified-since"];
        Assert.Equal(
            Variants.Id(names, Request(("If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT")), ignoreValidators: true),
            Variants.Id(names, Request(), ignoreValidators: true));
    }

    [Fact]
    public void TryRead_WhatSerializeWrote_NamesAndGeneration()
    {
        string[] names = ["accept", "accept-language"];
        Assert.True(Variants.TryRead(Variants.Serialize(names, Generation), out var read, out var generation));
        Assert.Equal(names, read);
        Assert.Equal(Generation, generation);
    }

    [Fact]
    public void TryRead_AsManyNamesAsARecordHolds_Reads()
    {
        var names = Enumerable.Range(0, RecordLimits.MaxVaryFields).Select(i => $"x-{i}").ToArray();
        Assert.True(Variants.TryRead(Craft(names.Length, [.. names.Select(Encoding.UTF8.GetBytes)]), out var read, out _));
        Assert.Equal(names, read);
    }

    [Fact]
    public void TryRead_OneNameOfOneByte_Reads() =>
        Assert.True(Variants.TryRead(Craft(1, [[(byte)'a']]), out _, out _));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(RecordLimits.MaxVaryFields + 1)]
    [InlineData(int.MaxValue)]
    public void TryRead_CountOutOfBounds_False(int count)
    {
        var names = Enumerable.Range(0, Math.Clamp(count, 0, RecordLimits.MaxVaryFields + 1)).Select(i => Encoding.UTF8.GetBytes($"x-{i}")).ToArray();
        Assert.False(Variants.TryRead(Craft(count, names), out _, out _));
    }

    [Fact]
    public void TryRead_CountLargerThanTheNamesWritten_False() =>
        Assert.False(Variants.TryRead(Craft(2, [[(byte)'a']]), out _, out _));

    [Fact]
    public void TryRead_CountSmallerThanTheNamesWritten_False() =>
        Assert.False(Variants.TryRead(Craft(1, [[(byte)'a'], [(byte)'b']]), out _, out _));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(int.MaxValue)]
    public void TryRead_NameLengthOutOfBounds_False(int length) =>
        Assert.False(Variants.TryRead(Craft(1, [[(byte)'a']], lengthOverride: length), out _, out _));

    [Fact]
    public void TryRead_TooShortForCountGenerationAndChecksum_False()
    {
        var record = new byte[RecordFormat.PreambleLength + 4 + Variants.GenerationLength + RecordChecksum.Length - 1];
        RecordFormat.WritePreamble(record, RecordFormat.VaryKind);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(record.Length - RecordChecksum.Length), RecordChecksum.Compute(record.AsSpan(0, record.Length - RecordChecksum.Length)));
        Assert.False(Variants.TryRead(record, out _, out _));
    }

    [Fact]
    public void TryRead_ChecksumWrong_False()
    {
        var record = Variants.Serialize(["accept"], Generation);
        record[^1] ^= 1;
        Assert.False(Variants.TryRead(record, out _, out _));
    }

    [Fact]
    public void TryRead_AnotherKindOfRecord_False()
    {
        var record = Craft(1, [[(byte)'a']]);
        RecordFormat.WritePreamble(record, RecordFormat.EntryKind);
        Assert.False(Variants.IsVaryRecord(record));
        Assert.False(Variants.TryRead(record, out _, out _));
        Assert.Null(Variants.TryDeserialize(record));
    }

    [Fact]
    public void Serialize_NotAGeneration_Throws()
    {
        Assert.Throws<ArgumentException>(() => Variants.Serialize(["accept"], System.Buffers.Text.Base64Url.EncodeToString(new byte[Variants.GenerationLength - 1])));
    }

    [Fact]
    public void NewGeneration_EachOneDiffers() => Assert.NotEqual(Variants.NewGeneration(), Variants.NewGeneration());

    /// <summary>A Vary record laid out by hand, with a valid checksum, so only the reader's own bounds can refuse it.</summary>
    private static byte[] Craft(int count, byte[][] names, int? lengthOverride = null)
    {
        var size = RecordFormat.PreambleLength + 4 + names.Sum(n => 4 + n.Length) + Variants.GenerationLength + RecordChecksum.Length;
        var record = new byte[size];
        RecordFormat.WritePreamble(record, RecordFormat.VaryKind);
        var position = RecordFormat.PreambleLength;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(position), count);
        position += 4;
        foreach (var name in names)
        {
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(position), lengthOverride ?? name.Length);
            name.CopyTo(record.AsSpan(position + 4));
            position += 4 + name.Length;
        }

        position += Variants.GenerationLength;
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(position), RecordChecksum.Compute(record.AsSpan(0, position)));
        return record;
    }

    private static HttpRequestMessage Request(params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "https://api.example.test/");
        foreach (var (name, value) in fields)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
