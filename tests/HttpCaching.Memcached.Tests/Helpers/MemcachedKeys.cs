using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>The keys a plain memcached holds (<c>lru_crawler metadump all</c>), decoded to text.</summary>
internal static class MemcachedKeys
{
    public static async Task<IReadOnlyList<string>> ListAsync(string endpoint)
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
            Assert.StartsWith("key=", line, StringComparison.Ordinal);
            keys.Add(Uri.UnescapeDataString(line[4..line.IndexOf(' ', StringComparison.Ordinal)]));
        }

        return keys;
    }
}
