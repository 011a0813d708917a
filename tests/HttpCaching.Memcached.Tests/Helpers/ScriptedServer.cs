using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>
/// A fake memcached on 127.0.0.1 that answers <c>mn</c> and <c>stats settings</c> as memcached does and every other
/// command with what the test's script returns for it (the command line and its opaque number in, raw bytes out): a
/// server that lies, for the tests of what the store does with replies it cannot trust.
/// </summary>
internal sealed partial class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, string, byte[]?> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private readonly bool _closeAfterReply;

    /// <param name="script">The command line and its opaque token (empty if none) to the reply; null closes the connection.</param>
    /// <param name="closeAfterReply">Whether to close each connection after its first scripted reply.</param>
    public ScriptedServer(Func<string, string, byte[]?> script, bool closeAfterReply = false)
    {
        _script = script;
        _closeAfterReply = closeAfterReply;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections { get; private set; }

    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Connections++;
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                byte[]? reply;
                if (line == "mn")
                {
                    reply = Ascii("MN\r\n");
                }
                else if (line == "stats settings")
                {
                    reply = Ascii("STAT item_size_max 1048576\r\nEND\r\n");
                }
                else
                {
                    if (line.StartsWith("ms ", StringComparison.Ordinal))
                    {
                        // The data block and its \r\n, read past.
                        var length = int.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
                        var block = new char[length + 2];
                        await reader.ReadBlockAsync(block, _stop.Token);
                    }

                    var opaque = Opaque().Match(line);
                    reply = _script(line, opaque.Success ? opaque.Groups[1].Value : string.Empty);
                }

                if (reply is null)
                {
                    return;
                }

                await stream.WriteAsync(reply, _stop.Token);
                if (_closeAfterReply && line is not "mn" and not "stats settings")
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    [GeneratedRegex(" O([0-9]+)")]
    private static partial Regex Opaque();
}
