using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>Sends a request written by hand (any request target, any Host) and reads the whole response.</summary>
public static class RawHttp
{
    public static async Task<string> SendAsync(Uri server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A GET of <paramref name="target"/> with <paramref name="host"/> as its Host, closing the connection after it.</summary>
    public static Task<string> GetAsync(Uri server, string target, string host) =>
        SendAsync(server, $"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
}
