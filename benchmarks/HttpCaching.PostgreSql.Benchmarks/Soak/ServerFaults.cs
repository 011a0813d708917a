using System.Globalization;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// Faults of the throwaway server, by process id: every process of the server (the postmaster of
/// <c>postmaster.pid</c> and its children, the backends and background workers) killed with <c>SIGKILL</c>, as a
/// crash or the OOM killer of a container would, or frozen with <c>SIGSTOP</c> and thawed with <c>SIGCONT</c>, as a
/// hung host would look: connections are accepted into the listen backlog, but nothing answers.
/// </summary>
internal sealed class ServerFaults(PostgreSqlServer server)
{
    private List<int> _paused = [];

    /// <summary>Kills every process of the server with <c>SIGKILL</c> and waits until they are gone.</summary>
    public async Task KillAsync()
    {
        // Freeze the postmaster first, so that it forks no new child while the children are listed (a child whose
        // postmaster is gone is re-parented and could no longer be found).
        var processes = await FreezeAllAsync().ConfigureAwait(false);
        await SignalAsync("KILL", processes).ConfigureAwait(false);
        await WaitUntilGoneAsync(processes).ConfigureAwait(false);
    }

    /// <summary>Stops every process of the server with <c>SIGSTOP</c>.</summary>
    public async Task PauseAsync() => _paused = await FreezeAllAsync().ConfigureAwait(false);

    /// <summary>Continues the processes <see cref="PauseAsync"/> stopped, if any.</summary>
    public async Task ResumeAsync()
    {
        if (_paused.Count > 0)
        {
            var paused = _paused;
            _paused = [];
            await SignalAsync("CONT", paused).ConfigureAwait(false);
        }
    }

    /// <summary>The postmaster's process id, from the first line of <c>postmaster.pid</c>.</summary>
    private int Postmaster()
    {
        var pidFile = Path.Combine(server.DataDirectory, "postmaster.pid");
        return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : throw new InvalidOperationException($"No server is running: {pidFile} is missing or unreadable.");
    }

    /// <summary>Stops the postmaster, then its children until no new one appears; returns them all, postmaster first.</summary>
    private async Task<List<int>> FreezeAllAsync()
    {
        var postmaster = Postmaster();
        var frozen = new List<int> { postmaster };
        await SignalAsync("STOP", frozen).ConfigureAwait(false);
        while (Children(postmaster).Except(frozen).ToList() is { Count: > 0 } children)
        {
            await SignalAsync("STOP", children).ConfigureAwait(false);
            frozen.AddRange(children);
        }

        return frozen;
    }

    private static async Task SignalAsync(string signal, IReadOnlyList<int> processes) =>
        await ProcessRunner.RunCheckedAsync(null, "kill", ["-s", signal, .. processes.Select(p => p.ToString(CultureInfo.InvariantCulture))]).ConfigureAwait(false);

    /// <summary>The processes whose parent is <paramref name="parent"/>, from <c>/proc/*/stat</c>.</summary>
    private static List<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } stat && stat.Parent == parent)
            {
                children.Add(pid);
            }
        }

        return children;
    }

    /// <summary>The state and parent of a process (after the command name, which may hold spaces and parentheses).</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until no process of <paramref name="processes"/> is left but as a zombie.</summary>
    private static async Task WaitUntilGoneAsync(List<int> processes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (processes.Any(p => Stat(p) is { State: not 'Z' and not 'X' }))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The killed server processes did not go away within 30 s.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
