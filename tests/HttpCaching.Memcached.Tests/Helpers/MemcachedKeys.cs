using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>The keys a plain memcached holds (<c>lru_crawler metadump all</c>), decoded to text.</summary>
internal static class MemcachedKeys
{
    /// <summary>
    /// The keys, once two dumps in a row agree: the crawler walks the LRU queues while memcached's maintainer thread
    /// moves items between them, so one dump can miss an item that is there.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string endpoint)
    {
        var previous = await ListOnceAsync(endpoint);
        for (var attempt = 1; ; attempt++)
        {
            var current = await ListOnceAsync(endpoint);
            if (current.ToHashSet(StringComparer.Ordinal).SetEquals(previous))
            {
                return current;
            }

            Assert.True(attempt < 50, "lru_crawler metadump never gave the same keys twice in a row.");
            previous = current;
        }
    }

    /// <summary>
    /// Which of <paramref name="keys"/> the server holds, asked key by key (<c>mg &lt;key&gt;</c>): exact, where a dump
    /// of the crawler can miss an item that a hit has just moved between LRU queues.
    /// </summary>
    public static async Task<IReadOnlyList<string>> HeldAsync(string endpoint, IEnumerable<string> keys)
    {
        var colon = endpoint.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var held = new List<string>();
        foreach (var key in keys)
        {
            // The dump's keys are decoded text; on the wire they are ASCII without spaces, as the store writes them.
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"mg {key}\r\n"), TestContext.Current.CancellationToken);
            var line = await reader.ReadLineAsync(TestContext.Current.CancellationToken);
            if (line == "HD")
            {
                held.Add(key);
            }
            else
            {
                Assert.Equal("EN", line);
            }
        }

        return held;
    }

    private static async Task<IReadOnlyList<string>> ListOnceAsync(string endpoint)
    {
        // The crawler answers BUSY while a crawl of its own runs: ask again, bounded.
        for (var attempt = 1; ; attempt++)
        {
            var keys = await TryListAsync(endpoint);
            if (keys is not null)
            {
                return keys;
            }

            Assert.True(attempt < 500, "lru_crawler metadump stayed busy.");
            await Task.Delay(TimeSpan.FromMilliseconds(10), TestContext.Current.CancellationToken);
        }
    }

    private static async Task<IReadOnlyList<string>?> TryListAsync(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("lru_crawler metadump all\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var keys = new List<string>();
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line && line != "END")
        {
            if (!line.StartsWith("key=", StringComparison.Ordinal))
            {
                Assert.StartsWith("BUSY", line, StringComparison.Ordinal);
                return null;
            }

            keys.Add(Uri.UnescapeDataString(line[4..line.IndexOf(' ', StringComparison.Ordinal)]));
        }

        return keys;
    }
}
