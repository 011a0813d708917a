using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>
/// The proxy as a process of its own, <c>dotnet HttpCaching.Proxy.dll</c> with the given settings, on 127.0.0.1 and a
/// port the OS picks, read from its "Now listening on" line; killed on dispose.
/// </summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<Uri> _listening = [];
    private readonly List<(Func<Uri, bool> Match, TaskCompletionSource<Uri> Found)> _listeningWaiters = [];

    private ProxyProcess(Process process)
    {
        _process = process;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What the process wrote, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ProxyProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(typeof(ProxyApp).Assembly.Location);
        foreach (var argument in (string[])["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information", .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the proxy.");
        var proxy = new ProxyProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => proxy.Received(e.Data, listening);
        process.ErrorDataReceived += (_, e) => proxy.Received(e.Data, listening);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        var exited = process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(listening.Task, exited).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        if (first != listening.Task)
        {
            throw new InvalidOperationException($"The proxy exited before it listened:{Environment.NewLine}{proxy.Output}");
        }

        proxy.BaseAddress = await listening.Task;
        return proxy;
    }

    /// <summary>
    /// The first address a "Now listening on" line of the process named (now or later) that <paramref name="match"/>
    /// accepts: a process may run more than one server (the admin endpoints on an address of their own).
    /// </summary>
    public Task<Uri> ListeningAsync(Func<Uri, bool> match)
    {
        lock (_output)
        {
            if (_listening.FirstOrDefault(match) is { } found)
            {
                return Task.FromResult(found);
            }

            var waiter = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            _listeningWaiters.Add((match, waiter));
            return waiter.Task;
        }
    }

    private void Received(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        var address = ListeningLine().Match(line) is { Success: true } match ? new Uri(match.Groups[1].Value) : null;
        lock (_output)
        {
            _output.AppendLine(line);
            if (address is not null)
            {
                _listening.Add(address);
                foreach (var (accepts, found) in _listeningWaiters.Where(w => w.Match(address)).ToList())
                {
                    found.TrySetResult(address);
                }
            }
        }

        if (address is not null)
        {
            listening.TrySetResult(address);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }
}
