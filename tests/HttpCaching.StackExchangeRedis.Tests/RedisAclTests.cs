using System.Net;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Logging;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>An ACL user that may not touch the cache's keys: every request succeeds, and one clear error says why.</summary>
public sealed class RedisAclTests(RedisServerFixture fixture) : IAsyncDisposable
{
    private RedisApp? _app;

    [Fact]
    public async Task UserDeniedThePrefix_RequestsSucceed_OneClearError()
    {
        var server = fixture.Local;
        var password = server.Passwords[RedisTestUsers.OtherPrefix];
        _app = RedisApp.Start(o => (o.Configuration, o.User, o.Password) = (server.Endpoint, RedisTestUsers.OtherPrefix, password));
        var path = "denied/" + Guid.NewGuid().ToString("N");

        var replies = new List<RedisApp.Reply>();
        for (var i = 0; i < 3; i++)
        {
            replies.Add(await _app.GetAsync($"{path}/{i}"));
            replies.Add(await _app.GetAsync($"{path}/{i}"));
        }

        Assert.All(replies, reply => Assert.Equal(HttpStatusCode.OK, reply.Status));
        Assert.All(replies, reply => Assert.False(reply.IsStored, reply.CacheStatus));
        var error = Assert.Single(_app.StoreLogs(RedisHttpCacheDiagnostics.PermissionDeniedEventId));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(RedisTestUsers.OtherPrefix, error.Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", error.Message, StringComparison.Ordinal);
        Assert.Contains("~httpcaching:*", error.Message, StringComparison.Ordinal);
        Assert.Empty(await RedisKeys.ScanAsync(server.ConnectionString, "*" + path + "*"));
        _app.AssertLogsHoldNone(password, ":e:", ":b:");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
