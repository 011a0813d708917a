using BenchmarkDotNet.Running;

namespace HttpCaching.Benchmarks;

public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args is ["--cpu", ..])
        {
            await CpuPerRequest.RunAsync(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
