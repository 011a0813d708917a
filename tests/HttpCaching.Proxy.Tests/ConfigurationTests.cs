using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Tests;

/// <summary>The command line and configuration: what is read, and a clear error and a non-zero exit when it is wrong.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--origin", "http://127.0.0.1:8000")]
    [InlineData("--origin=http://127.0.0.1:8000", null)]
    [InlineData("--Proxy:Origin", "http://127.0.0.1:8000")]
    public async Task Origin_IsReadFromTheCommandLine(string key, string? value)
    {
        string[] args = value is null ? [key, "--urls", "http://127.0.0.1:0"] : [key, value, "--urls", "http://127.0.0.1:0"];
        await using var app = ProxyApp.Build(args);

        var options = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;

        Assert.Equal("http://127.0.0.1:8000", options.Origin);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.Empty(options.ForwardedRequestHeaders);
    }

    [Fact]
    public async Task ForwardedRequestHeaders_ListOnTheCommandLine_IsBoundCaseInsensitively()
    {
        await using var app = ProxyApp.Build([
            "--origin", "http://127.0.0.1:8000", "--urls", "http://127.0.0.1:0",
            "--Proxy:ForwardedRequestHeaders:0", "x-forwarded-proto",
            "--Proxy:ForwardedRequestHeaders:1", "Forwarded"]);

        var options = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;

        Assert.Equal(["x-forwarded-proto", "Forwarded"], options.ForwardedRequestHeaders);
    }

    [Fact]
    public async Task MissingOrigin_ExitsNonZeroAndSaysHowToSetIt()
    {
        using var error = new StringWriter();

        var exitCode = await ProxyApp.RunAsync(["--urls", "http://127.0.0.1:0"], error);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("--origin http://host:port", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a uri", "not an absolute http:// or https:// URI")]
    [InlineData("ftp://127.0.0.1/", "not an absolute http:// or https:// URI")]
    [InlineData("127.0.0.1:8000", "not an absolute http:// or https:// URI")]
    [InlineData("http://127.0.0.1:8000/?key=secret", "must not have a query")]
    public async Task InvalidOrigin_ExitsNonZeroWithAClearMessage(string origin, string expected)
    {
        using var error = new StringWriter();

        var exitCode = await ProxyApp.RunAsync(["--origin", origin, "--urls", "http://127.0.0.1:0"], error);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Proxy:Timeout", "soon", "Proxy:Timeout")]
    [InlineData("--Proxy:Timeout", "00:00:00", "Proxy:Timeout")]
    [InlineData("--Proxy:Timeout", "-00:00:01", "Proxy:Timeout")]
    [InlineData("--Proxy:Timeot", "00:00:01", "Timeot")]
    [InlineData("--Proxy:ForwardedRequestHeaders:0", "X-Custom", "Proxy:ForwardedRequestHeaders:0")]
    [InlineData("--Proxy:ForwardedRequestHeaders:0", "Host", "Proxy:ForwardedRequestHeaders:0")]
    [InlineData("--Proxy:ForwardedRequestHeaders:0", " ", "Proxy:ForwardedRequestHeaders:0")]
    [InlineData("--HttpCaching:Defaults:MinimumFreshnes", "00:00:00", "HttpCaching:Defaults:MinimumFreshnes")]
    [InlineData("--HttpCaching:Defaults:MinimumFreshness", "-00:00:01", "MinimumFreshness")]
    [InlineData("--HttpCaching:Store:MemorySizeLimit", "0", "HttpCaching:Store:MemorySizeLimit must be between 1 and")]
    [InlineData("--HttpCaching:MemoryStoreSizeLimit", "1048576", "HttpCaching:MemoryStoreSizeLimit has moved: set HttpCaching:Store:MemorySizeLimit instead.")]
    public async Task InvalidSetting_ExitsNonZeroNamingTheKey(string key, string value, string expected)
    {
        using var error = new StringWriter();

        var exitCode = await ProxyApp.RunAsync(["--origin", "http://127.0.0.1:8000", "--urls", "http://127.0.0.1:0", key, value], error);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }
}
