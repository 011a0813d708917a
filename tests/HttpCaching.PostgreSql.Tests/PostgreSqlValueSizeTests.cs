using System.Buffers;
using HttpCaching.PostgreSql.Internal;
using HttpCaching.PostgreSql.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Npgsql;
using NpgsqlTypes;

namespace HttpCaching.PostgreSql.Tests;

/// <summary>
/// <see cref="PostgreSqlHttpCacheOptions.MaxValueSize"/>: a row someone else made larger than the store ever writes is
/// read as missing, without the server sending its value; a write over the bound is refused as a value the store does
/// not take.
/// </summary>
public sealed class PostgreSqlValueSizeTests : IAsyncDisposable
{
    private const int Limit = 64 * 1024;

    private readonly PostgreSqlServerFixture _server;
    private readonly PostgreSqlStores _stores;
    private readonly FakeTimeProvider _time = new(TestClock.Start);

    public PostgreSqlValueSizeTests(PostgreSqlServerFixture server)
    {
        _server = server;
        _stores = new PostgreSqlStores(() => server.ConnectionString);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_RowOverMaxValueSize_IsMissingAndLoggedWithoutTheKey()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.MaxValueSize = Limit);
        await cache.SetAsync("secret-key-name", [1], Absolute(TimeSpan.FromMinutes(10)), Ct);
        await GrowValueAsync("secret-key-name", Limit + 1);

        Assert.Null(await cache.GetAsync("secret-key-name", Ct));
        Assert.Null(cache.Get("secret-key-name"));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.False(await ((IBufferDistributedCache)cache).TryGetAsync("secret-key-name", buffer, Ct));
        Assert.Equal(0, buffer.WrittenCount);

        var logged = Assert.Single(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.ValueTooLargeId);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, logged.Level);
        Assert.Contains($"{Limit + 1} bytes", logged.Message, StringComparison.Ordinal);
        Assert.Contains("MaxValueSize", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-key-name", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_RowOverMaxValueSizeReadAgainAfterAMinute_LoggedAgainWithTheCountInBetween()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.MaxValueSize = Limit);
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromDays(1)), Ct);
        await GrowValueAsync("k", Limit + 1);

        Assert.Null(await cache.GetAsync("k", Ct));
        Assert.Null(await cache.GetAsync("k", Ct));
        Assert.Null(await cache.GetAsync("k", Ct));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("k", Ct));

        var logged = _stores.Logs.GetSnapshot().Where(e => e.Id.Id == PostgreSqlCacheStore.Log.ValueTooLargeId).ToList();
        Assert.Equal(2, logged.Count);
        Assert.Contains("2 more since", logged[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_RowOfExactlyMaxValueSize_IsRead()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.MaxValueSize = Limit);
        var value = new byte[Limit];
        value[^1] = 7;

        await cache.SetAsync("k", value, Absolute(TimeSpan.FromMinutes(10)), Ct);

        Assert.Equal(value, await cache.GetAsync("k", Ct));
        Assert.DoesNotContain(_stores.Logs.GetSnapshot(), e => e.Id.Id == PostgreSqlCacheStore.Log.ValueTooLargeId);
    }

    [Fact]
    public async Task GetStatement_RowOverTheBound_ServerSendsNoValue()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.MaxValueSize = Limit);
        await cache.SetAsync("k", [1], Absolute(TimeSpan.FromMinutes(10)), Ct);
        await GrowValueAsync("k", Limit + 1);
        var table = new CacheTable("httpcaching", _stores.TableName);
        var key = CacheKey.From("k");

        await using var connection = new NpgsqlConnection(_stores.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(table.Get, connection);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Text, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = _time.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Limit, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(Ct);

        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(Limit + 1, reader.GetInt32(1));
        Assert.True(await reader.IsDBNullAsync(2, Ct));
    }

    [Fact]
    public async Task Set_ValueOverMaxValueSize_RefusedForTheValue_NothingWritten()
    {
        _server.EnsureAvailable();
        var cache = _stores.Create(_time, o => o.MaxValueSize = Limit);
        await cache.SetAsync("secret-key-name", [1], Absolute(TimeSpan.FromMinutes(10)), Ct);

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => cache.SetAsync("secret-key-name", new byte[Limit + 1], Absolute(TimeSpan.FromMinutes(10)), Ct));
        var refusedSequence = Assert.Throws<ArgumentOutOfRangeException>(
            () => ((IBufferDistributedCache)cache).Set("other", new ReadOnlySequence<byte>(new byte[Limit + 1]), Absolute(TimeSpan.FromMinutes(10))));

        // The caching handler counts an argument exception for "value" as a value not taken, never as a store failure.
        Assert.Equal("value", refused.ParamName);
        Assert.Equal("value", refusedSequence.ParamName);
        Assert.Contains("MaxValueSize", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-key-name", refused.Message, StringComparison.Ordinal);
        // Like any failed write, a refused one leaves the key's earlier value (the handler removes what it must).
        Assert.Equal(1L, await _stores.ScalarAsync<long>($"SELECT count(*) FROM httpcaching.{_stores.TableName}"));
        Assert.Equal([1], await cache.GetAsync("secret-key-name", Ct));
    }

    public async ValueTask DisposeAsync() => await _stores.DisposeAsync();

    /// <summary>What a foreign or hostile writer can do: make the row's value larger than the store would write.</summary>
    private async Task GrowValueAsync(string key, int size) =>
        await _stores.ScalarAsync<object>(
            $"UPDATE httpcaching.{_stores.TableName} SET value = $1 WHERE cache_key = $2", new byte[size], key);

    private static DistributedCacheEntryOptions Absolute(TimeSpan relative) => new() { AbsoluteExpirationRelativeToNow = relative };
}
