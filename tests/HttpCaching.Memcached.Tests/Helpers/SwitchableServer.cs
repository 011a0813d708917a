using System.Net;
using System.Net.Sockets;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>A listener on 127.0.0.1 that closes each connection at once, or, once <see cref="Silent"/>, holds it unanswered.</summary>
internal sealed class SwitchableServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SwitchableServer()
    {
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public volatile bool Silent;

    /// <summary>How many connections it holds unanswered.</summary>
    public int Held
    {
        get
        {
            lock (_held)
            {
                return _held.Count;
            }
        }
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
            // Stopped.
        }

        lock (_held)
        {
            foreach (var c in _held)
            {
                c.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                if (Silent)
                {
                    lock (_held)
                    {
                        _held.Add(client);
                    }
                }
                else
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                }
            }
        }
        catch (Exception)
        {
            // Stopped.
        }
    }
}
