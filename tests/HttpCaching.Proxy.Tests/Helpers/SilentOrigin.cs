using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>
/// An origin that reads one request and never answers it, on a raw socket on 127.0.0.1: it reports when the request
/// has arrived and when the proxy closes the connection, which is how a cancelled upstream request shows on the wire.
/// Optionally it sends a response head and the start of a body first, then stalls.
/// </summary>
public sealed class SilentOrigin : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Task _serving;
    private readonly TaskCompletionSource _requestReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connectionClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();

    private SilentOrigin(string? partialResponse)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _serving = ServeAsync(partialResponse);
    }

    public Uri BaseAddress { get; }

    /// <summary>Completes when the request head has been read.</summary>
    public Task RequestReceived => _requestReceived.Task;

    /// <summary>Completes when the proxy has closed the connection.</summary>
    public Task ConnectionClosed => _connectionClosed.Task;

    public static SilentOrigin Start(string? partialResponse = null) => new(partialResponse);

    private async Task ServeAsync(string? partialResponse)
    {
        try
        {
            using var socket = await _listener.AcceptSocketAsync(_stop.Token);
            var buffer = new byte[16 * 1024];
            var received = new StringBuilder();
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    _connectionClosed.TrySetResult();
                    return;
                }

                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
                if (!_requestReceived.Task.IsCompleted && received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (partialResponse is not null)
                    {
                        await socket.SendAsync(Encoding.Latin1.GetBytes(partialResponse), _stop.Token);
                    }

                    _requestReceived.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // A reset counts as closed too.
            _connectionClosed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}
