using HttpCaching.Proxy.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Tests;

/// <summary>Route, store and admin settings: what is read, and start-up errors that name the key.</summary>
public sealed class RouteConfigurationTests
{
    private const string Secret = "s3cr3t-value-never-quoted";

    private static readonly string[] Embedly = ["--Proxy:Routes:embedly:PathPrefix", "/embedly", "--Proxy:Routes:embedly:Origin", "https://api.embedly.com/1/"];

    [Fact]
    public async Task Routes_FromTheCommandLine_AreBoundWithTheirHeadersParametersAndTimeout()
    {
        await using var app = ProxyApp.Build([
            "--urls", "http://127.0.0.1:0", .. Embedly,
            "--Proxy:Routes:embedly:Timeout", "00:00:05",
            "--Proxy:Routes:embedly:RequestHeaders:X-Api-Key", Secret,
            "--Proxy:Routes:embedly:QueryParameters:key", Secret,
            "--Proxy:Routes:rss:PathPrefix", "/feeds/rss/",
            "--Proxy:Routes:rss:Origin", "http://127.0.0.1:8000"]);

        var routes = app.Services.GetRequiredService<RouteTable>().Routes.ToDictionary(r => r.Name);

        Assert.Equal("/embedly", routes["embedly"].PathPrefix);
        Assert.Equal("https://api.embedly.com/1", routes["embedly"].OriginBase);
        Assert.Equal(TimeSpan.FromSeconds(5), routes["embedly"].Timeout);
        Assert.Equal([new("X-Api-Key", Secret)], routes["embedly"].RequestHeaders);
        Assert.Equal([new("key", Secret)], routes["embedly"].QueryParameters);
        Assert.Equal("/feeds/rss", routes["rss"].PathPrefix);
        Assert.Equal(TimeSpan.FromSeconds(30), routes["rss"].Timeout);
        Assert.Equal(ProxyStoreProvider.Memory, app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.Store.Provider);
    }

    [Theory]
    [InlineData("/a", "/a", "Proxy:Routes:one:PathPrefix (/a) and Proxy:Routes:two:PathPrefix (/a) overlap")]
    [InlineData("/a", "/a/", "Proxy:Routes:one:PathPrefix (/a) and Proxy:Routes:two:PathPrefix (/a) overlap")]
    [InlineData("/a", "/a/b", "Proxy:Routes:one:PathPrefix (/a) and Proxy:Routes:two:PathPrefix (/a/b) overlap")]
    [InlineData("/a/b/c", "/a/b", "Proxy:Routes:one:PathPrefix (/a/b/c) and Proxy:Routes:two:PathPrefix (/a/b) overlap")]
    [InlineData("/", "/a", "Proxy:Routes:one:PathPrefix (/) and Proxy:Routes:two:PathPrefix (/a) overlap")]
    public async Task OverlappingPrefixes_ExitNonZeroNamingBothKeys(string one, string two, string expected)
    {
        var (exitCode, error) = await RunAsync(
            "--Proxy:Routes:one:PathPrefix", one, "--Proxy:Routes:one:Origin", "http://127.0.0.1:8000",
            "--Proxy:Routes:two:PathPrefix", two, "--Proxy:Routes:two:Origin", "http://127.0.0.1:8001");

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a", "/ab")]
    [InlineData("/a/b", "/a/c")]
    [InlineData("/embedly", "/embedlyx")]
    public async Task PrefixesThatShareOnlyCharacters_DoNotOverlap(string one, string two)
    {
        await using var app = ProxyApp.Build([
            "--urls", "http://127.0.0.1:0",
            "--Proxy:Routes:one:PathPrefix", one, "--Proxy:Routes:one:Origin", "http://127.0.0.1:8000",
            "--Proxy:Routes:two:PathPrefix", two, "--Proxy:Routes:two:Origin", "http://127.0.0.1:8001"]);

        Assert.Equal(2, app.Services.GetRequiredService<RouteTable>().Routes.Count);
    }

    [Theory]
    [InlineData("PathPrefix", "", "Proxy:Routes:embedly:PathPrefix is missing or empty")]
    [InlineData("PathPrefix", "embedly", "Proxy:Routes:embedly:PathPrefix is 'embedly', which does not start with '/'")]
    [InlineData("PathPrefix", "/a/../b", "Proxy:Routes:embedly:PathPrefix is '/a/../b'; its segments must not be empty, '.' or '..'")]
    [InlineData("PathPrefix", "/a//b", "Proxy:Routes:embedly:PathPrefix is '/a//b'; its segments")]
    [InlineData("PathPrefix", "/a%2fb", "Proxy:Routes:embedly:PathPrefix is '/a%2fb'; a prefix may hold only")]
    [InlineData("PathPrefix", "/a?b", "Proxy:Routes:embedly:PathPrefix is '/a?b'; a prefix may hold only")]
    [InlineData("PathPrefix", "/_httpcaching/x", "is under /_httpcaching")]
    [InlineData("PathPrefix", "/_HttpCaching", "is under /_httpcaching")]
    [InlineData("Origin", "", "Proxy:Routes:embedly:Origin is missing")]
    [InlineData("Origin", "/relative/path", "Proxy:Routes:embedly:Origin is '/relative/path', which is not an absolute http:// or https:// URI")]
    [InlineData("Origin", "api.embedly.com", "Proxy:Routes:embedly:Origin is 'api.embedly.com', which is not an absolute http:// or https:// URI")]
    [InlineData("Origin", "ftp://api.embedly.com/", "Proxy:Routes:embedly:Origin is 'ftp://api.embedly.com/', which is not an absolute")]
    [InlineData("Origin", "file:///etc/passwd", "Proxy:Routes:embedly:Origin is 'file:///etc/passwd', which is not an absolute")]
    [InlineData("Timeout", "00:00:00", "Proxy:Routes:embedly:Timeout is 00:00:00; it must be more than zero")]
    [InlineData("Timeout", "soon", "at 'Proxy:Routes:embedly:Timeout'")]
    [InlineData("PathPrefx", "/a", "Proxy:Routes:embedly:PathPrefx is not a known setting")]
    [InlineData("RequestHeaders:Host", Secret, "Proxy:Routes:embedly:RequestHeaders:Host: Host is a header the proxy does not let a route set")]
    [InlineData("RequestHeaders:Connection", Secret, "Proxy:Routes:embedly:RequestHeaders:Connection: Connection is a header")]
    [InlineData("RequestHeaders:Content-Language", Secret, "Proxy:Routes:embedly:RequestHeaders:Content-Language: Content-Language is a header the proxy does not let a route set")]
    [InlineData("RequestHeaders:Expires", Secret, "Proxy:Routes:embedly:RequestHeaders:Expires: Expires is a header the proxy does not let a route set")]
    [InlineData("RequestHeaders:Content_Length", Secret, "Proxy:Routes:embedly:RequestHeaders:Content_Length: Content_Length is a header the proxy does not let a route set")]
    [InlineData("RequestHeaders:Transfer_Encoding", Secret, "Proxy:Routes:embedly:RequestHeaders:Transfer_Encoding: Transfer_Encoding is a header")]
    [InlineData("RequestHeaders:X Api Key", Secret, "Proxy:Routes:embedly:RequestHeaders:X Api Key: the key is not a valid header name")]
    [InlineData("RequestHeaders:X-Api-Key", "", "Proxy:Routes:embedly:RequestHeaders:X-Api-Key is empty")]
    [InlineData("QueryParameters:key", "", "Proxy:Routes:embedly:QueryParameters:key is empty")]
    public async Task InvalidRouteSetting_ExitsNonZeroNamingTheKey_NeverQuotingSecrets(string setting, string value, string expected)
    {
        string[] route = setting is "PathPrefix" or "Origin"
            ? setting == "PathPrefix"
                ? ["--Proxy:Routes:embedly:Origin", "https://api.embedly.com/"]
                : ["--Proxy:Routes:embedly:PathPrefix", "/embedly"]
            : Embedly;

        var (exitCode, error) = await RunAsync([.. route, $"--Proxy:Routes:embedly:{setting}", value]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderValueWithALineBreak_ExitsNonZero_WithoutQuotingIt()
    {
        var (exitCode, error) = await RunAsync([.. Embedly, "--Proxy:Routes:embedly:RequestHeaders:X-Api-Key", Secret + "\r\nX-Evil: 1"]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("Proxy:Routes:embedly:RequestHeaders:X-Api-Key holds a line break", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderSetTwice_OnceWithUnderscores_ExitsNonZeroNamingBoth()
    {
        var (exitCode, error) = await RunAsync([
            .. Embedly,
            "--Proxy:Routes:embedly:RequestHeaders:X-Api-Key", Secret,
            "--Proxy:Routes:embedly:RequestHeaders:X_Api_Key", Secret + "2"]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("Proxy:Routes:embedly:RequestHeaders:X-Api-Key", error, StringComparison.Ordinal);
        Assert.Contains("Proxy:Routes:embedly:RequestHeaders:X_Api_Key", error, StringComparison.Ordinal);
        Assert.Contains("name the same header", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteNamesThatDifferOnlyInCase_InTwoSources_FailNamingBoth()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => ProxyApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Proxy:Routes:Embedly:PathPrefix", "/embedly"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Proxy:Routes:embedly:Origin"] = "https://api.embedly.com/",
            })));

        Assert.Contains(
            "Proxy:Routes:Embedly and Proxy:Routes:embedly name the same route: route names are compared case-insensitively",
            string.Join('\n', failure.Failures),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("embedly feeds", "may hold only letters, digits")]
    [InlineData("embedly/x", "may hold only letters, digits")]
    public async Task RouteNameWithOtherCharacters_ExitsNonZero(string name, string expected)
    {
        var (exitCode, error) = await RunAsync($"--Proxy:Routes:{name}:PathPrefix", "/embedly", $"--Proxy:Routes:{name}:Origin", "https://api.embedly.com/");

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OriginAndRoutesBothSet_ExitsNonZeroSayingToUseOne()
    {
        var (exitCode, error) = await RunAsync(["--origin", "http://127.0.0.1:8000", .. Embedly]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("Proxy:Origin (--origin) and Proxy:Routes are both set", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsSectionForNoRoute_ExitsNonZeroNamingTheKey()
    {
        var (exitCode, error) = await RunAsync([.. Embedly, "--HttpCaching:Clients:rss:Enabled", "false"]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("HttpCaching:Clients:rss configures a client that has no caching handler", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Proxy:Store:Provider", "Mongo", "Proxy:Store:Provider")]
    [InlineData("--Proxy:Store:Provider", "PostgreSql", "Proxy:Store:ConnectionString is missing; the PostgreSql store needs one")]
    [InlineData("--Proxy:Store:Provider", "Redis", "Proxy:Store:ConnectionString is missing; the Redis store needs one")]
    [InlineData("--Proxy:Store:ConnectionString", Secret, "Proxy:Store:ConnectionString is set, but Proxy:Store:Provider is Memory")]
    [InlineData("--Proxy:Store:Providr", "Redis", "Proxy:Store:Providr is not a known setting")]
    [InlineData("--Proxy:PurgeToken", "short", "Proxy:PurgeToken is shorter than 16 characters")]
    [InlineData("--Proxy:AdminUrls", "127.0.0.1:9090", "Proxy:AdminUrls holds '127.0.0.1:9090', which is not an http:// or https:// address")]
    [InlineData("--Proxy:AdminUrls", " ; ", "Proxy:AdminUrls is empty")]
    [InlineData("--Proxy:Otlp:Endpoint", "collector:4317", "Proxy:Otlp:Endpoint is 'collector:4317', which is not an absolute http:// or https:// URI")]
    [InlineData("--Proxy:Otlp:Protocol", "Carrier-Pigeon", "Proxy:Otlp:Protocol")]
    [InlineData("--HttpCaching:Store:Provider", "Redis", "HttpCaching:Store:Provider is not a known setting")]
    public async Task InvalidStoreOrAdminSetting_ExitsNonZeroNamingTheKey(string key, string value, string expected)
    {
        var (exitCode, error) = await RunAsync([.. Embedly, key, value]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:99999", "Proxy:AdminUrls holds 'http://127.0.0.1:99999', which is not an http:// or https:// address")]
    [InlineData("http://127.0.0.1:abc", "Proxy:AdminUrls holds 'http://127.0.0.1:abc', which is not an http:// or https:// address")]
    [InlineData("http://127.0.0.1:-1", "Proxy:AdminUrls holds 'http://127.0.0.1:-1', which is not an http:// or https:// address")]
    [InlineData("http://127.0.0.1", "Proxy:AdminUrls holds 'http://127.0.0.1', which has no port")]
    [InlineData("http://127.0.0.1:", "Proxy:AdminUrls holds 'http://127.0.0.1:', which has no port")]
    [InlineData("https://127.0.0.1", "Proxy:AdminUrls holds 'https://127.0.0.1', which has no port")]
    [InlineData("http://:9090", "Proxy:AdminUrls holds 'http://:9090', which is not an http:// or https:// address")]
    [InlineData("ws://127.0.0.1:9090", "Proxy:AdminUrls holds 'ws://127.0.0.1:9090', which is not an http:// or https:// address")]
    [InlineData("http://127.0.0.1:9090/admin", "Proxy:AdminUrls holds 'http://127.0.0.1:9090/admin', which has a path")]
    [InlineData("http://localhost:0", "Proxy:AdminUrls holds 'http://localhost:0': port 0")]
    [InlineData("http://127.0.0.1:0;http://127.0.0.1:x", "Proxy:AdminUrls holds 'http://127.0.0.1:x', which is not an http:// or https:// address")]
    [InlineData("http://127.0.0.1:9090?key=" + Secret, "Proxy:AdminUrls holds an address with a query, a fragment or user information")]
    [InlineData("http://admin:" + Secret + "@127.0.0.1:9090", "Proxy:AdminUrls holds an address with a query, a fragment or user information")]
    public async Task AdminUrlsThatKestrelWouldMisread_ExitsNonZeroNamingTheKey(string urls, string expected)
    {
        var (exitCode, error) = await RunAsync([.. Embedly, "--Proxy:AdminUrls", urls]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("HTTP://127.0.0.1:0/")]
    [InlineData("http://*:0")]
    [InlineData("http://+:0")]
    [InlineData(" http://127.0.0.1:0 ; http://127.0.0.1:0 ")]
    public async Task AdminUrlsWithAHostAndAPort_AreAccepted(string urls)
    {
        var (exitCode, error) = await RunAsync([.. Embedly, "--Proxy:AdminUrls", urls]);

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exitCode);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("Grpcx")]
    public async Task UndefinedOtlpProtocol_ExitsNonZeroNamingTheKey(string protocol)
    {
        var (exitCode, error) = await RunAsync([.. Embedly, "--Proxy:Otlp:Protocol", protocol]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("Proxy:Otlp:Protocol", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Proxy:Routes")]
    [InlineData("Proxy:Otlp")]
    [InlineData("Proxy:Store")]
    [InlineData("Proxy:ForwardedRequestHeaders")]
    [InlineData("Proxy:Routes:embedly:RequestHeaders")]
    [InlineData("Proxy:Routes:embedly:QueryParameters")]
    public async Task ValueWhereASectionIsExpected_ExitsNonZeroNamingTheKey_WithoutQuotingIt(string key)
    {
        var (exitCode, error) = await RunAsync([.. Embedly, $"--{key}", Secret]);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains($"{key} is set to a value, but it is a section", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Proxy:Routes")]
    [InlineData("Proxy:Routes:embedly")]
    public async Task ValueInPlaceOfTheRoutes_ExitsNonZeroNamingTheKey_WithoutQuotingIt(string key)
    {
        var (exitCode, error) = await RunAsync($"--{key}", Secret);

        Assert.Equal(ProxyApp.ConfigurationErrorExitCode, exitCode);
        Assert.Contains($"{key} is set to a value, but it is a section", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Builds and starts the proxy as <see cref="ProxyApp.RunAsync"/> would, but stops it when the settings are valid,
    /// so a setting that should fail and does not fails the test instead of leaving the proxy running.
    /// </summary>
    private static async Task<(int ExitCode, string Error)> RunAsync(params string[] settings)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", .. settings];
        try
        {
            await using var app = ProxyApp.Build(args);
            await app.StartAsync(TestContext.Current.CancellationToken);
            await app.StopAsync(TestContext.Current.CancellationToken);
            return (0, string.Empty);
        }
        catch (OptionsValidationException ex)
        {
            return (ProxyApp.ConfigurationErrorExitCode, string.Join('\n', ex.Failures));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return (ProxyApp.ConfigurationErrorExitCode, string.Join('\n', ex.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)));
        }
    }
}
