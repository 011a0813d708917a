using System.Net;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>Entries built from responses (RFC 9111 §3.1, §4.2.3) and updated by a 304 (§4.3.4) or a HEAD (§4.3.5).</summary>
public sealed class EntryFactoryTests
{
    private const string LastModified = "Sat, 05 Nov 1994 08:49:37 GMT";
    private static readonly DateTimeOffset Later = ProtocolFixtures.Received.AddMinutes(10);

    [Theory]
    [InlineData("60", 60)]
    [InlineData("60, 120", 60)]
    [InlineData("0", 0)]
    [InlineData("-5", 0)]
    [InlineData("abc", 0)]
    [InlineData("", 0)]
    public void Create_AgeField_FirstMemberCountsInvalidIsZero(string age, int expectedSeconds)
    {
        var entry = ProtocolFixtures.Entry(fields: [$"Age: {age}", "Date: Sun, 06 Nov 1994 08:49:37 GMT"]);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), entry.CorrectedInitialAge);
    }

    [Fact]
    public void Create_DateInThePast_ApparentAgeCounts()
    {
        var entry = ProtocolFixtures.Entry(fields: ["Date: Sun, 06 Nov 1994 08:48:37 GMT", "Age: 10"]);
        Assert.Equal(TimeSpan.FromSeconds(60), entry.CorrectedInitialAge);
    }

    [Fact]
    public void Create_DateInTheFuture_NoNegativeAge()
    {
        var entry = ProtocolFixtures.Entry(fields: ["Date: Sun, 06 Nov 1994 09:49:37 GMT"]);
        Assert.Equal(TimeSpan.Zero, entry.CorrectedInitialAge);
    }

    [Fact]
    public void Create_NoDate_ReceiptTimeIsStoredAsDate()
    {
        var entry = ProtocolFixtures.Entry(fields: ["Cache-Control: max-age=60"]);
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", CachedHeaders.First(entry.Headers, "Date"));
    }

    [Theory]
    [InlineData("s-maxage=60", true)]
    [InlineData("s-maxage=0", true)]
    [InlineData("max-age=60", false)]
    [InlineData("max-age=60, proxy-revalidate", true)]
    public void Create_SMaxAge_CarriesProxyRevalidate(string cacheControl, bool expected)
    {
        var entry = ProtocolFixtures.Entry(fields: [$"Cache-Control: {cacheControl}"]);
        Assert.Equal(expected, (entry.Flags & CacheControlFlags.ProxyRevalidate) != 0);
    }

    [Theory]
    [InlineData(false, 86_400.0 / 10)]
    [InlineData(true, 0.0)]
    public void Create_HeuristicFreshness_NoneForACredentialedRequest(bool credentialed, double expectedSeconds)
    {
        // Date minus Last-Modified is one day: a tenth of it, unless the request carried credentials.
        var entry = ProtocolFixtures.Entry(credentialed: credentialed, fields: [$"Last-Modified: {LastModified}", "Date: Sun, 06 Nov 1994 08:49:37 GMT"]);
        Assert.True(entry.HeuristicFreshness);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), entry.FreshnessLifetime);
        Assert.Equal(credentialed, (entry.Flags & CacheControlFlags.CredentialedRequest) != 0);
    }

    [Fact]
    public void Create_CredentialedRequestWithExplicitFreshness_KeepsIt()
    {
        var entry = ProtocolFixtures.Entry(credentialed: true, fields: ["Cache-Control: public, max-age=60"]);
        Assert.Equal(TimeSpan.FromSeconds(60), entry.FreshnessLifetime);
    }

    [Fact]
    public void Create_StrongETag_VersionFromTag_WeakETag_VersionFromContent()
    {
        var strongA = ProtocolFixtures.Entry("a", fields: ["ETag: \"x\""]);
        var strongB = ProtocolFixtures.Entry("b", fields: ["ETag: \"x\""]);
        var weakA = ProtocolFixtures.Entry("a", fields: ["ETag: W/\"x\""]);
        var weakB = ProtocolFixtures.Entry("b", fields: ["ETag: W/\"x\""]);
        var untaggedA = ProtocolFixtures.Entry("a");

        Assert.Equal(strongA.VersionId, strongB.VersionId);
        Assert.NotEqual(weakA.VersionId, weakB.VersionId);
        Assert.Equal(untaggedA.VersionId, weakA.VersionId);
    }

    [Fact]
    public void Refresh_StoredForACredentialedRequest_StaysCredentialedAfterAnAnonymous304()
    {
        var stored = ProtocolFixtures.Entry(credentialed: true, fields: ["ETag: \"a\"", $"Last-Modified: {LastModified}"]);
        using var notModified = NotModified("ETag: \"a\"", "Date: Sun, 06 Nov 1994 08:59:37 GMT");

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false);

        Assert.NotNull(refreshed);
        Assert.True((refreshed.Flags & CacheControlFlags.CredentialedRequest) != 0);
        Assert.Equal(TimeSpan.Zero, refreshed.FreshnessLifetime);
    }

    [Fact]
    public void Refresh_AnonymousStoredCredentialed304_BecomesCredentialed()
    {
        var stored = ProtocolFixtures.Entry(fields: ["ETag: \"a\""]);
        using var notModified = NotModified("ETag: \"a\"");

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: true);

        Assert.True((refreshed!.Flags & CacheControlFlags.CredentialedRequest) != 0);
    }

    [Fact]
    public void Refresh_AnonymousBoth_NotCredentialed()
    {
        var stored = ProtocolFixtures.Entry(fields: ["ETag: \"a\""]);
        using var notModified = NotModified("ETag: \"a\"");

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false);

        Assert.Equal(CacheControlFlags.None, refreshed!.Flags & CacheControlFlags.EntryOnly);
    }

    [Fact]
    public void Refresh_FieldsReplaceStoredOnes_AgeAndFreshnessFromThe304()
    {
        var stored = ProtocolFixtures.Entry(fields: ["ETag: \"a\"", "Cache-Control: max-age=60", "X-Kept: yes", "X-Replaced: old"]);
        using var notModified = NotModified("ETag: \"a\"", "Cache-Control: max-age=600", "X-Replaced: new", "Age: 5");

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false)!;

        Assert.Equal(TimeSpan.FromSeconds(600), refreshed.FreshnessLifetime);
        Assert.Equal(TimeSpan.FromSeconds(5), refreshed.CorrectedInitialAge);
        Assert.Equal(Later, refreshed.ResponseTime);
        Assert.Equal("yes", CachedHeaders.First(refreshed.Headers, "X-Kept"));
        Assert.Equal("new", CachedHeaders.First(refreshed.Headers, "X-Replaced"));
        Assert.Equal(HttpDate.Format(Later), CachedHeaders.First(refreshed.Headers, "Date"));
        Assert.Equal(stored.VersionId, refreshed.VersionId);
        Assert.Equal(stored.BodyLength, refreshed.BodyLength);
    }

    [Theory]
    // A strong tag selects only the same strong tag; a weak one matches weakly.
    [InlineData("\"a\"", null, "\"a\"", null, true)]
    [InlineData("\"a\"", null, "\"b\"", null, false)]
    [InlineData("W/\"a\"", null, "\"a\"", null, false)]
    [InlineData("\"a\"", null, "W/\"a\"", null, true)]
    [InlineData("W/\"a\"", null, "W/\"a\"", null, true)]
    [InlineData(null, null, "\"a\"", null, false)]
    // Last-Modified alone: the same instant, in any format.
    [InlineData(null, LastModified, null, LastModified, true)]
    [InlineData(null, LastModified, null, "Saturday, 05-Nov-94 08:49:37 GMT", true)]
    [InlineData(null, LastModified, null, "Sat, 05 Nov 1994 08:49:38 GMT", false)]
    [InlineData(null, null, null, LastModified, false)]
    // No validator at all: only a stored response without validators.
    [InlineData(null, null, null, null, true)]
    [InlineData("\"a\"", null, null, null, false)]
    [InlineData(null, LastModified, null, null, false)]
    public void Refresh_Selection_Rfc9111Section4_3_4(string? storedETag, string? storedLastModified, string? etag, string? lastModified, bool selects)
    {
        var stored = ProtocolFixtures.Entry(fields: Fields(("ETag", storedETag), ("Last-Modified", storedLastModified)));
        using var notModified = NotModified(Fields(("ETag", etag), ("Last-Modified", lastModified)));

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false);

        Assert.Equal(selects, refreshed is not null);
    }

    [Theory]
    // The cache's own revalidation asked about this stored response alone: a 304 without validators answers for it.
    [InlineData("\"a\"", null, null, null, true)]
    [InlineData(null, LastModified, null, null, true)]
    [InlineData("\"a\"", LastModified, null, null, true)]
    // A validator in the 304 still has to match.
    [InlineData("\"a\"", null, "\"b\"", null, false)]
    [InlineData("W/\"a\"", null, "\"a\"", null, false)]
    [InlineData(null, LastModified, null, "Sat, 05 Nov 1994 08:49:38 GMT", false)]
    [InlineData("\"a\"", null, "\"a\"", null, true)]
    public void Refresh_AnsweringItsOwnRevalidation_Selection(string? storedETag, string? storedLastModified, string? etag, string? lastModified, bool selects)
    {
        var stored = ProtocolFixtures.Entry(fields: Fields(("ETag", storedETag), ("Last-Modified", storedLastModified)));
        using var notModified = NotModified(Fields(("ETag", etag), ("Last-Modified", lastModified)));

        var refreshed = EntryFactory.Refresh(stored, notModified, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false, askedWithStoredValidators: true);

        Assert.Equal(selects, refreshed is not null);
    }

    [Theory]
    [InlineData(new[] { "ETag: \"a\"" }, true)]
    [InlineData(new[] { "ETag: \"a\"", "Content-Length: 5" }, true)]
    [InlineData(new[] { $"Last-Modified: {LastModified}" }, true)]
    [InlineData(new[] { "ETag: \"a\"", $"Last-Modified: {LastModified}" }, true)]
    [InlineData(new[] { "ETag: \"b\"" }, false)]
    [InlineData(new[] { "ETag: \"a\"", "Content-Length: 6" }, false)]
    [InlineData(new[] { "ETag: \"a\"", "Last-Modified: Sat, 05 Nov 1994 08:49:38 GMT" }, false)]
    [InlineData(new[] { "Content-Length: 5" }, false)]
    [InlineData(new string[0], false)]
    public void RefreshFromHead_DescribesStoredOnlyWhenValidatorsAndLengthMatch(string[] fields, bool freshened)
    {
        var stored = ProtocolFixtures.Entry("hello", fields: ["ETag: \"a\"", $"Last-Modified: {LastModified}", "Cache-Control: max-age=60"]);
        using var head = ProtocolFixtures.Response(HttpStatusCode.OK, string.Empty, [.. fields, "Cache-Control: max-age=600"]);
        if (!fields.Any(f => f.StartsWith("Content-Length", StringComparison.Ordinal)))
        {
            head.Content.Headers.ContentLength = null;
        }

        var updated = EntryFactory.RefreshFromHead(stored, head, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false)!;

        Assert.Equal(!freshened, (updated.Flags & CacheControlFlags.MarkedStale) != 0);
        Assert.Equal(freshened ? TimeSpan.FromSeconds(600) : TimeSpan.FromSeconds(60), updated.FreshnessLifetime);
    }

    [Fact]
    public void RefreshFromHead_StoredWithoutETagHeadWithOne_MarkedStale()
    {
        var stored = ProtocolFixtures.Entry("hello", fields: [$"Last-Modified: {LastModified}"]);
        using var head = ProtocolFixtures.Response(HttpStatusCode.OK, string.Empty, "ETag: \"a\"", $"Last-Modified: {LastModified}");

        var updated = EntryFactory.RefreshFromHead(stored, head, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false)!;

        Assert.True((updated.Flags & CacheControlFlags.MarkedStale) != 0);
    }

    [Fact]
    public void RefreshFromHead_ValidationClearsAnEarlierMarkOfStaleness()
    {
        var stored = ProtocolFixtures.Entry("hello", fields: ["ETag: \"a\""]);
        using var other = ProtocolFixtures.Response(HttpStatusCode.OK, string.Empty, "ETag: \"b\"");
        var marked = EntryFactory.RefreshFromHead(stored, other, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false)!;
        using var same = NotModified("ETag: \"a\"");

        var refreshed = EntryFactory.Refresh(marked, same, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false)!;

        Assert.True((marked.Flags & CacheControlFlags.MarkedStale) != 0);
        Assert.Equal(CacheControlFlags.None, refreshed.Flags & CacheControlFlags.MarkedStale);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.NotFound, HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.NonAuthoritativeInformation, HttpStatusCode.OK)]
    public void RefreshFromHead_Not200_Null(HttpStatusCode headStatus, HttpStatusCode storedStatus)
    {
        var stored = ProtocolFixtures.Entry(storedStatus, "hello", credentialed: false, options: null, "ETag: \"a\"");
        using var head = ProtocolFixtures.Response(headStatus, string.Empty, "ETag: \"a\"");

        Assert.Null(EntryFactory.RefreshFromHead(stored, head, Later, Later, ProtocolFixtures.Options(), credentialedRequest: false));
    }

    private static HttpResponseMessage NotModified(params string[] fields)
    {
        var response = ProtocolFixtures.Response(HttpStatusCode.NotModified, string.Empty, fields);
        response.Content.Headers.ContentLength = null;
        return response;
    }

    private static string[] Fields(params (string Name, string? Value)[] fields) =>
        [.. fields.Where(f => f.Value is not null).Select(f => $"{f.Name}: {f.Value}")];
}
