using System.Net;
using System.Net.Sockets;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a real memcached: <see cref="Break"/> closes its connections and refuses new
/// ones (a network fault between this instance and the server, which keeps its items); <see cref="Heal"/> ends it.
/// </summary>
internal sealed class BreakableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _broken;

    public BreakableProxy(string target)
    {
        var colon = target.LastIndexOf(':');
        _host = target[..colon];
        _port = int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Break()
    {
        _broken = true;
        lock (_open)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }
    }

    public void Heal() => _broken = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Break();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_broken)
            {
                client.Dispose();
                continue;
            }

            var upstream = new TcpClient();
            await upstream.ConnectAsync(_host, _port, _stop.Token);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }

            _ = PipeAsync(client, upstream);
            _ = PipeAsync(upstream, client);
        }
    }

    private async Task PipeAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token);
        }
        catch (Exception)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
