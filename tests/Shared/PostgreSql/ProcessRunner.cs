using System.Diagnostics;

namespace HttpCaching.Testing;

/// <summary>Runs a command to its end, optionally as another user (through <c>runuser</c>), and returns its output.</summary>
public static class ProcessRunner
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static async Task<(int ExitCode, string Output)> RunAsync(string? runAsUser, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (runAsUser is null)
        {
            start.FileName = fileName;
        }
        else
        {
            // The other user may not be allowed into the current directory, which initdb and pg_ctl dislike.
            start.FileName = "runuser";
            start.WorkingDirectory = "/";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(runAsUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {Limit}.");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    public static async Task<string> RunCheckedAsync(string? runAsUser, string fileName, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(runAsUser, fileName, arguments);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {exitCode}:{Environment.NewLine}{output}");
    }
}
