using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests.Helpers;

/// <summary>Looks at a Redis as an operator would, through an admin connection of the test's own.</summary>
public static class RedisKeys
{
    /// <summary>The keys that match <paramref name="pattern"/> (SCAN, so it works on a shared server).</summary>
    public static async Task<IReadOnlyList<string>> ScanAsync(string adminConfiguration, string pattern)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(adminConfiguration);
        var server = connection.GetServers()[0];
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    /// <summary>Runs one command as the <c>default</c> user.</summary>
    public static async Task<RedisResult> ExecuteAsync(string adminConfiguration, string command, params object[] arguments)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(adminConfiguration);
        return await connection.GetDatabase().ExecuteAsync(command, arguments);
    }
}
