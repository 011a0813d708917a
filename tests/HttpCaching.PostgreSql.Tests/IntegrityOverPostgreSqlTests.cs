using System.Net;
using System.Security.Cryptography;
using System.Text;
using HttpCaching.PostgreSql.Tests.Helpers;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// Integrity protection (<c>HttpCaching:Store:Integrity:Keys</c>) over a real PostgreSQL table: a row altered with SQL is
/// never served, the origin's body is served and stored in its place, and rotating keys keeps old rows readable.
/// </summary>
public sealed class IntegrityOverPostgreSqlTests(PostgreSqlServerFixture server) : IAsyncDisposable
{
    private const string Feed = "/feed.xml";
    private const int RecordTamperedEventId = 18;

    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly List<AppInstance> _apps = [];
    private readonly string _table = "integrity_" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// One byte in the middle of a row's value is flipped with SQL (inside the record when signed, inside the
    /// ciphertext when encrypted). A fresh instance, with nothing in its near cache, refuses the row, gets the body
    /// from the origin and stores it again; the next request and another instance then get hits.
    /// </summary>
    [Theory]
    [InlineData("b", false)]
    [InlineData("b", true)]
    [InlineData("e", false)]
    [InlineData("e", true)]
    public async Task RowAlteredWithSql_IsRefused_AndTheOriginsBodyIsServedAndStoredAgain(string recordKind, bool encrypt)
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var writer = Start(origin, encrypt, KeyA);
        var body = FeedOrigin.Body(Feed, 1);
        Assert.True((await writer.GetAsync(Feed)).IsStored);

        await using var sql = new PostgreSqlStores(() => server.ConnectionString);
        var table = $"httpcaching.\"{_table}\"";
        var kindPattern = $"%:{recordKind}:%";
        var bodyInPlainText = Encoding.UTF8.GetBytes("version=\"1\"><channel><item>news</item>");
        Assert.Equal(encrypt ? 0L : 1L, await sql.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE position($1::bytea IN value) > 0", bodyInPlainText));
        var original = await sql.ScalarAsync<byte[]>($"SELECT value FROM {table} WHERE cache_key LIKE $1", kindPattern);
        Assert.NotNull(original);

        var altered = await sql.ScalarAsync<byte[]>(
            $"UPDATE {table} SET value = set_byte(value, length(value) / 2, get_byte(value, length(value) / 2) # 255) WHERE cache_key LIKE $1 RETURNING value",
            kindPattern);
        Assert.NotNull(altered);
        Assert.NotEqual(original, altered);

        var reader = Start(origin, encrypt, KeyA);
        var refused = await reader.GetAsync(Feed);
        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Equal(body, refused.Body);
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", refused.CacheStatus);
        Assert.Single(reader.Origin.Requests);
        Assert.Contains("invalid-tag", Assert.Single(reader.LogsWithId(RecordTamperedEventId)).Message, StringComparison.Ordinal);

        // The altered row was replaced by a good one.
        var replaced = await sql.ScalarAsync<byte[]>($"SELECT value FROM {table} WHERE cache_key LIKE $1", kindPattern);
        Assert.NotNull(replaced);
        Assert.NotEqual(altered, replaced);
        Assert.Equal(original.Length, replaced.Length);

        var hit = await reader.GetAsync(Feed);
        Assert.True(hit.IsHit, hit.CacheStatus);
        Assert.Equal(body, hit.Body);

        var other = Start(origin, encrypt, KeyA);
        var fromTable = await other.GetAsync(Feed);
        Assert.True(fromTable.IsHit, fromTable.CacheStatus);
        Assert.Equal(body, fromTable.Body);
        Assert.Empty(other.Origin.Requests);
        Assert.Empty(other.LogsWithId(RecordTamperedEventId));
    }

    /// <summary>
    /// Rows written with key A stay readable after the rotation to <c>[B, A]</c> (a second service provider, as after a
    /// restart with the new configuration); new rows are protected with B; once A is removed, A's rows read as
    /// misses (<c>unknown-key</c>) and are replaced from the origin.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeyRotation_RowsWrittenWithTheOldKey_StayReadable(bool encrypt)
    {
        var origin = new FeedOrigin(_time) { MaxAge = TimeSpan.FromHours(1) };
        var withA = Start(origin, encrypt, KeyA);
        Assert.True((await withA.GetAsync("/old.xml")).IsStored);

        var rotated = Start(origin, encrypt, KeyB, KeyA);
        var old = await rotated.GetAsync("/old.xml");
        Assert.True(old.IsHit, old.CacheStatus);
        Assert.Equal(FeedOrigin.Body("/old.xml", 1), old.Body);
        Assert.True((await rotated.GetAsync("/new.xml")).IsStored);
        Assert.Single(rotated.Origin.Requests);
        Assert.Empty(rotated.LogsWithId(RecordTamperedEventId));

        var onlyB = Start(origin, encrypt, KeyB);
        var written = await onlyB.GetAsync("/new.xml");
        Assert.True(written.IsHit, written.CacheStatus);
        Assert.Empty(onlyB.Origin.Requests);

        var retired = await onlyB.GetAsync("/old.xml");
        Assert.Equal("HttpCaching; fwd=uri-miss; fwd-status=200; stored", retired.CacheStatus);
        Assert.Equal(FeedOrigin.Body("/old.xml", 1), retired.Body);
        Assert.Contains("unknown-key", Assert.Single(onlyB.LogsWithId(RecordTamperedEventId)).Message, StringComparison.Ordinal);

        // Rewritten with B, the row is readable by the rotated instance too (a new instance: nothing in memory).
        var rotatedAgain = Start(origin, encrypt, KeyB, KeyA);
        Assert.True((await rotatedAgain.GetAsync("/old.xml")).IsHit);
        Assert.True((await rotatedAgain.GetAsync("/new.xml")).IsHit);
        Assert.Empty(rotatedAgain.Origin.Requests);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    private AppInstance Start(FeedOrigin origin, bool encrypt, params string[] keys)
    {
        server.EnsureAvailable();
        var app = AppInstance.Start(
            _time,
            origin.CreateStub(),
            o => (o.ConnectionString, o.TableName) = (server.ConnectionString, _table),
            configuration: AppInstance.IntegrityConfiguration(encrypt, keys));
        _apps.Add(app);
        return app;
    }
}
